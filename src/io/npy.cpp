#include "hoif/io/npy.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "hoif/core/error.h"

namespace hoif {

int dtype_size(DType t) {
  switch (t) {
    case DType::i1: case DType::u1: case DType::b1: return 1;
    case DType::i2: case DType::u2: return 2;
    case DType::f4: case DType::i4: case DType::u4: return 4;
    case DType::f8: case DType::i8: case DType::u8: return 8;
  }
  return 0;
}

std::string dtype_descr(DType t) {
  switch (t) {
    case DType::f4: return "<f4";
    case DType::f8: return "<f8";
    case DType::i1: return "|i1";
    case DType::i2: return "<i2";
    case DType::i4: return "<i4";
    case DType::i8: return "<i8";
    case DType::u1: return "|u1";
    case DType::u2: return "<u2";
    case DType::u4: return "<u4";
    case DType::u8: return "<u8";
    case DType::b1: return "|b1";
  }
  return "";
}

template <class Out>
static std::vector<Out> convert(const NdArray& a) {
  const int64_t n = a.count();
  std::vector<Out> out(static_cast<size_t>(n));
  const uint8_t* b = a.bytes.data();
  auto each = [&](auto tag) {
    using In = decltype(tag);
    for (int64_t i = 0; i < n; ++i) {
      In v;
      std::memcpy(&v, b + i * sizeof(In), sizeof(In));
      out[static_cast<size_t>(i)] = static_cast<Out>(v);
    }
  };
  switch (a.dtype) {
    case DType::f4: each(float{}); break;
    case DType::f8: each(double{}); break;
    case DType::i1: each(int8_t{}); break;
    case DType::i2: each(int16_t{}); break;
    case DType::i4: each(int32_t{}); break;
    case DType::i8: each(int64_t{}); break;
    case DType::u1: case DType::b1: each(uint8_t{}); break;
    case DType::u2: each(uint16_t{}); break;
    case DType::u4: each(uint32_t{}); break;
    case DType::u8: each(uint64_t{}); break;
  }
  return out;
}

ArrayF NdArray::to_float(const std::string& where) const {
  if (dtype == DType::b1) fail(where, "is a boolean array; expected numbers");
  if (static_cast<int64_t>(bytes.size()) != count() * dtype_size(dtype)) fail(where, "array data does not match its shape");
  ArrayF out;
  out.shape = shape;
  out.values = convert<float>(*this);
  return out;
}

ArrayD NdArray::to_double(const std::string& where) const {
  if (dtype == DType::b1) fail(where, "is a boolean array; expected numbers");
  if (static_cast<int64_t>(bytes.size()) != count() * dtype_size(dtype)) fail(where, "array data does not match its shape");
  ArrayD out;
  out.shape = shape;
  out.values = convert<double>(*this);
  return out;
}

std::vector<int64_t> NdArray::to_int64(const std::string& where) const {
  if (dtype == DType::f4 || dtype == DType::f8) fail(where, "expected an integer array, found floating point");
  if (static_cast<int64_t>(bytes.size()) != count() * dtype_size(dtype)) fail(where, "array data does not match its shape");
  return convert<int64_t>(*this);
}

NdArray NdArray::from(const ArrayF& a) {
  NdArray out;
  out.dtype = DType::f4;
  out.shape = a.shape;
  out.bytes.resize(a.values.size() * sizeof(float));
  if (!a.values.empty()) std::memcpy(out.bytes.data(), a.values.data(), out.bytes.size());
  return out;
}

NdArray NdArray::from(const Array<int64_t>& a) {
  NdArray out;
  out.dtype = DType::i8;
  out.shape = a.shape;
  out.bytes.resize(a.values.size() * sizeof(int64_t));
  if (!a.values.empty()) std::memcpy(out.bytes.data(), a.values.data(), out.bytes.size());
  return out;
}

// ---------------------------------------------------------------- header

namespace {

// The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
struct HeaderParser {
  const std::string& s;
  const std::string& where;
  size_t i = 0;

  [[noreturn]] void bad(const std::string& what) const { fail(where, "npy header: " + what); }
  void skip() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')) ++i;
  }
  bool accept(char c) {
    skip();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) bad(std::string("expected '") + c + "'");
  }
  std::string quoted() {
    skip();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"')) bad("expected a string");
    const char q = s[i++];
    size_t start = i;
    while (i < s.size() && s[i] != q) ++i;
    if (i >= s.size()) bad("unterminated string");
    return s.substr(start, i++ - start);
  }
  std::string word() {
    skip();
    size_t start = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    return s.substr(start, i - start);
  }
  int64_t integer() {
    std::string w = word();
    if (w.empty() || w.size() > 15) bad("bad shape entry");
    for (char c : w)
      if (!std::isdigit(static_cast<unsigned char>(c))) bad("bad shape entry");
    return std::stoll(w);
  }
};

struct Header {
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
};

Header parse_header(const std::string& text, const std::string& where) {
  HeaderParser p{text, where};
  Header h;
  bool got_descr = false, got_order = false, got_shape = false;
  p.expect('{');
  while (!p.accept('}')) {
    std::string key = p.quoted();
    p.expect(':');
    if (key == "descr") {
      p.skip();
      if (p.i < text.size() && text[p.i] == '[') fail(where, "structured numpy dtypes are not supported");
      h.descr = p.quoted();
      got_descr = true;
    } else if (key == "fortran_order") {
      std::string w = p.word();
      if (w != "True" && w != "False") p.bad("fortran_order must be True or False");
      h.fortran = w == "True";
      got_order = true;
    } else if (key == "shape") {
      p.expect('(');
      while (!p.accept(')')) {
        h.shape.push_back(p.integer());
        if (h.shape.size() > 32) p.bad("too many dimensions");
        if (!p.accept(',')) {
          p.expect(')');
          break;
        }
      }
      got_shape = true;
    } else {
      p.bad("unexpected key '" + key + "'");
    }
    if (!p.accept(',')) {
      p.expect('}');
      break;
    }
  }
  if (!got_descr || !got_order || !got_shape) p.bad("missing descr, fortran_order or shape");
  return h;
}

DType parse_numeric_descr(const std::string& descr, const std::string& where) {
  if (!descr.empty() && descr[0] == '>' && descr.size() == 3 && descr[2] != '1')
    fail(where, "big-endian arrays (" + descr + ") are not supported");
  for (DType t : {DType::f4, DType::f8, DType::i1, DType::i2, DType::i4, DType::i8, DType::u1, DType::u2,
                  DType::u4, DType::u8, DType::b1}) {
    const std::string d = dtype_descr(t);
    if (descr == d || descr == "=" + d.substr(1) || descr == "|" + d.substr(1) || descr == "<" + d.substr(1)) return t;
  }
  fail(where, "unsupported numpy dtype '" + descr + "'");
}

// '<U7' -> 7 (characters per string); 0 for any other descr.
int unicode_width(const std::string& descr, const std::string& where) {
  if (descr.size() < 3 || (descr[0] != '<' && descr[0] != '|' && descr[0] != '=') || descr[1] != 'U') return 0;
  const std::string digits = descr.substr(2);
  if (digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos) fail(where, "bad unicode dtype '" + descr + "'");
  const int width = std::stoi(digits);
  if (width < 1) fail(where, "bad unicode dtype '" + descr + "'");
  return width;
}

std::u32string utf32_of(const std::string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int extra = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= s.size()) fail("npy", "string is not UTF-8");
    char32_t v = extra == 0 ? c : c & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) v = (v << 6) | (static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0x3f);
    out.push_back(v);
    i += static_cast<size_t>(extra) + 1;
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
  }
}

// The header alone; the payload is appended by the caller.
std::vector<uint8_t> header_for(const std::string& dict, size_t payload_size) {
  // Version 1.0; the header (magic + length + dict + padding + '\n') is padded to 64 bytes.
  std::string header = dict;
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  if (header.size() > 0xffff) fail("npy", "header too long");
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.push_back(static_cast<uint8_t>(header.size() & 0xff));
  out.push_back(static_cast<uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.reserve(out.size() + payload_size);
  return out;
}

std::string shape_literal(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "") + (i + 1 < shape.size() ? " " : "");
  return s + ")";
}

// A 1-d unicode array's strings (UTF-32 code points, each padded with NULs to `width`) as UTF-8.
std::vector<std::string> decode_unicode(const std::vector<uint8_t>& bytes, size_t offset, const Header& h, int width,
                                        const std::string& where) {
  if (h.shape.size() != 1) fail(where, "unicode arrays of " + std::to_string(h.shape.size()) + " dimensions are not supported");
  if (h.shape[0] > (int64_t(1) << 30) / width) fail(where, "array shape too large");
  const auto n = static_cast<size_t>(h.shape[0]), w = static_cast<size_t>(width);
  if (bytes.size() - offset != n * w * 4) fail(where, "unicode array data does not match its shape (truncated or corrupt)");
  std::vector<std::string> out(n);
  for (size_t k = 0; k < n; ++k)
    for (size_t c = 0; c < w; ++c) {
      const uint8_t* p = bytes.data() + offset + (k * w + c) * 4;
      const char32_t v = p[0] | (char32_t(p[1]) << 8) | (char32_t(p[2]) << 16) | (char32_t(p[3]) << 24);
      if (v == 0) break;
      if (v > 0x10ffff) fail(where, "unicode array holds an invalid character");
      append_utf8(out[k], v);
    }
  return out;
}

}  // namespace

NpyContent parse_npy(const std::vector<uint8_t>& bytes, const std::string& where) {
  static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (bytes.size() < 10 || std::memcmp(bytes.data(), magic, 6) != 0) fail(where, "not a .npy file (bad magic)");
  const int major = bytes[6];
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = bytes[8] | (size_t(bytes[9]) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(where, "truncated .npy header");
    header_len = bytes[8] | (size_t(bytes[9]) << 8) | (size_t(bytes[10]) << 16) | (size_t(bytes[11]) << 24);
    offset = 12;
  } else {
    fail(where, "unsupported .npy version " + std::to_string(major));
  }
  if (header_len > bytes.size() - offset) fail(where, "truncated .npy header");
  const std::string header_text(reinterpret_cast<const char*>(bytes.data() + offset), header_len);
  const Header h = parse_header(header_text, where);
  const size_t data_offset = offset + header_len;
  NpyContent content;
  if (h.descr == "|O" || h.descr == "O") {
    content.is_object = true;
    content.doc = py::decode(bytes.data() + data_offset, bytes.size() - data_offset, where);
    const py::Object& root = content.doc.at(content.doc.root);
    if (root.kind != py::Kind::Array || !root.object_array || root.shape != h.shape)
      fail(where, "object .npy does not hold an object array of the declared shape");
    return content;
  }
  if (const int width = unicode_width(h.descr, where)) {
    content.is_unicode = true;
    content.strings = decode_unicode(bytes, data_offset, h, width, where);
    return content;
  }
  NdArray& a = content.array;
  a.dtype = parse_numeric_descr(h.descr, where);
  a.shape = h.shape;
  int64_t total = 1;
  for (int64_t d : a.shape) {
    if (d > 0 && total > (int64_t(1) << 40) / d) fail(where, "array shape too large");
    total *= d;
  }
  const uint64_t need = static_cast<uint64_t>(total) * static_cast<uint64_t>(dtype_size(a.dtype));
  if (bytes.size() - data_offset != need)
    fail(where, "array data has " + std::to_string(bytes.size() - data_offset) + " bytes, its shape " +
                    shape_literal(a.shape) + " needs " + std::to_string(need) + " (truncated or corrupt)");
  if (h.fortran && a.shape.size() > 1) fail(where, "Fortran-ordered arrays are not supported");
  a.bytes.assign(bytes.begin() + static_cast<long>(data_offset), bytes.end());
  return content;
}

std::vector<uint8_t> encode_npy(const NdArray& array) {
  const std::string dict = "{'descr': '" + dtype_descr(array.dtype) + "', 'fortran_order': False, 'shape': " +
                           shape_literal(array.shape) + ", }";
  std::vector<uint8_t> out = header_for(dict, array.bytes.size());
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  return out;
}

std::vector<uint8_t> encode_npy_object(const py::Document& doc) {
  const py::Object& root = doc.at(doc.root);
  if (root.kind == py::Kind::Array && root.object_array) {
    std::vector<uint8_t> out =
        header_for("{'descr': '|O', 'fortran_order': False, 'shape': " + shape_literal(root.shape) + ", }", 0);
    py::encode(doc, out);
    return out;
  }
  py::Document wrapper = doc;  // wrap the root in a 0-d object array, as np.save does
  wrapper.root = wrapper.add_object_array({}, {doc.root});
  return encode_npy_object(wrapper);
}

std::vector<uint8_t> encode_npy_strings(const std::vector<std::string>& strings) {
  std::vector<std::u32string> wide;
  size_t width = 1;  // numpy's narrowest unicode dtype
  for (const auto& s : strings) {
    wide.push_back(utf32_of(s));
    width = std::max(width, wide.back().size());
  }
  const std::string dict = "{'descr': '<U" + std::to_string(width) + "', 'fortran_order': False, 'shape': (" +
                           std::to_string(strings.size()) + ",), }";
  std::vector<uint8_t> out = header_for(dict, strings.size() * width * 4);
  for (const auto& w : wide)
    for (size_t i = 0; i < width; ++i) {
      const char32_t c = i < w.size() ? w[i] : U'\0';
      for (int b = 0; b < 4; ++b) out.push_back(static_cast<uint8_t>((c >> (8 * b)) & 0xff));
    }
  return out;
}

std::vector<std::string> decode_npy_strings(const NpyContent& content, const std::string& where) {
  if (content.is_unicode) return content.strings;
  if (!content.is_object) fail(where, "is a numeric array, expected an array of strings");
  const py::Object& root = content.doc.at(content.doc.root);
  if (root.kind != py::Kind::Array || !root.object_array) fail(where, "is not an array of strings");
  std::vector<std::string> out;
  for (const int item : root.items) {
    const py::Object& o = content.doc.at(item);
    if (o.kind != py::Kind::Str) fail(where, "holds a value that is not a string");
    out.push_back(o.text);
  }
  return out;
}

}  // namespace hoif
