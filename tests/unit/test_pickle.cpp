// The pickle subset: files made by Python's pickle and numpy (tests/fixtures, see
// make_numpy_fixtures.py) decode to the values written there; hostile input is refused.
#include <gtest/gtest.h>

#include <fstream>

#include "fixtures.h"
#include "hoif/core/error.h"
#include "hoif/io/npy.h"
#include "hoif/io/pickle.h"

using namespace hoif;
using namespace std::string_literals;  // literals below hold NUL bytes

namespace {

std::vector<uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

py::Document decode(const std::vector<uint8_t>& b) { return py::decode(b.data(), b.size(), "test.pkl"); }

std::string error_of(const std::vector<uint8_t>& b) {
  try {
    decode(b);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

class PickleProtocols : public ::testing::TestWithParam<int> {};

TEST_P(PickleProtocols, DictOfArrayListStrFloat) {
  const auto bytes = read_bytes(test::fixture_path("pickle_protocol" + std::to_string(GetParam()) + ".bin"));
  const py::Document doc = decode(bytes);
  const py::Value root(doc, doc.root, "x");
  const ArrayF a = root["a"].array().to_float("a");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.values, (std::vector<float>{0, 1, 2, 3, 4, 5}));
  const auto b = root["b"].sequence();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].integer(), 1);
  EXPECT_EQ(b[1].integer(), -300);
  EXPECT_EQ(b[2].integer(), int64_t(1) << 40);
  EXPECT_EQ(root["c"].str(), "text");
  EXPECT_EQ(root["d"].kind(), py::Kind::Float);
}

INSTANTIATE_TEST_SUITE_P(Pickle, PickleProtocols, ::testing::Values(2, 3, 4, 5));

TEST(Pickle, EncodeDecodeRoundTrip) {
  py::Document doc;
  doc.root = doc.add_dict();
  ArrayF a({2, 2});
  a.values = {1.5f, -2.5f, 3.0f, 4.0f};
  doc.dict_set(doc.root, doc.add_str("poses"), doc.add_array(NdArray::from(a)));
  doc.dict_set(doc.root, doc.add_str("n"), doc.add_int(-70000));
  doc.dict_set(doc.root, doc.add_str("big"), doc.add_int(int64_t(1) << 50));
  doc.dict_set(doc.root, doc.add_str("list"), doc.add_list({doc.add_str("x"), doc.add_bool(true), doc.add_none()}));
  std::vector<uint8_t> bytes;
  py::encode(doc, bytes);
  const py::Document back = decode(bytes);
  const py::Value root(back, back.root, "x");
  EXPECT_EQ(root["poses"].array().to_float("p").values, a.values);
  EXPECT_EQ(root["n"].integer(), -70000);
  EXPECT_EQ(root["big"].integer(), int64_t(1) << 50);
  EXPECT_EQ(root["list"].sequence()[0].str(), "x");
  EXPECT_EQ(root["list"].sequence()[1].integer(), 1);
}

TEST(Pickle, RefusesArbitraryGlobals) {
  // pickle.dumps of os.system('true') style payload: GLOBAL 'os system', args, REDUCE.
  const std::string payload = "\x80\x02" "cos\nsystem\n" "X\x04\x00\x00\x00true\x85R."s;
  const std::string err = error_of({payload.begin(), payload.end()});
  EXPECT_NE(err.find("test.pkl: pickle: refusing to load 'os.system'"), std::string::npos) << err;
  const std::string builtins = "\x80\x02" "cbuiltins\neval\n.";
  EXPECT_NE(error_of({builtins.begin(), builtins.end()}).find("refusing"), std::string::npos);
}

TEST(Pickle, EveryTruncationIsACleanError) {
  const auto bytes = read_bytes(test::fixture_path("pickle_protocol3.bin"));
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    EXPECT_FALSE(error_of(cut).empty()) << "prefix of " << n << " bytes was accepted";
  }
}

TEST(Pickle, MalformedStreams) {
  auto err = [](const std::string& s) { return error_of({s.begin(), s.end()}); };
  EXPECT_NE(err("\x80\x02h\x05.").find("memo key 5 not found"), std::string::npos);
  EXPECT_NE(err("\x80\x02" "a.").find("stack underflow"), std::string::npos);
  EXPECT_NE(err("\x80\x02X\xff\xff\xff\x7f" "abc.").find("truncated"), std::string::npos);
  EXPECT_NE(err("\x80\x02\xff.").find("unsupported pickle opcode 0xff"), std::string::npos);
  EXPECT_NE(err("\x80\x02NN.").find("stack not empty"), std::string::npos);
  EXPECT_NE(err("\x80\x02}K\x01K\x02u.").find("missing MARK"), std::string::npos);
  // An array whose data is shorter than its shape needs.
  const std::string bad_array =
      "\x80\x02" "cnumpy.core.multiarray\n_reconstruct\n" "cnumpy\nndarray\n" "K\x00\x85" "C\x01" "b\x87R"
      "(K\x01K\x04\x85" "cnumpy\ndtype\n" "X\x02\x00\x00\x00" "f4\x89\x88\x87R(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
      "\x89" "C\x08" "\x00\x00\x00\x00\x00\x00\x00\x00" "tb."s;
  EXPECT_NE(err(bad_array).find("array data has 8 bytes, its shape needs 16"), std::string::npos) << err(bad_array);
}

TEST(Pickle, SelfReferenceCannotHangTheEncoder) {
  // l = []; l.append(l)
  const std::string s = "\x80\x02]q\x00h\x00" "a."s;
  const py::Document doc = decode({s.begin(), s.end()});
  std::vector<uint8_t> out;
  EXPECT_THROW(py::encode(doc, out), Error);
}
