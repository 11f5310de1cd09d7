#include "hoif/distributed/process_group.h"

#include <cstdlib>
#include <regex>

#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <c10/util/Logging.h>
#include <torch/torch.h>

#include "hoif/core/error.h"

namespace hoif {

namespace {

int parse_int(const char* name, const std::string& text) {
  try {
    size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  fail(name, "'" + text + "' is not a whole number");
}

// The first line of an exception from c10d or Gloo, without its source location or backtrace.
std::string short_reason(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  std::string text = c10 ? c10->what_without_backtrace() : e.what();
  text = text.substr(0, text.find('\n'));
  return std::regex_replace(text, std::regex(R"(\[[^\]]*\.(cc|cpp|h|hpp):\d+\]\s*)"), "");
}

// c10d logs its own lines (glog) for what hoif reports as one error line; they are kept only at
// the user's request ($TORCH_CPP_LOG_LEVEL, as in PyTorch).
void quiet_c10d_logging() {
  static const bool done = [] {
    setenv("TORCH_CPP_LOG_LEVEL", "FATAL", /*overwrite=*/0);
    c10::initLogging();
    return true;
  }();
  (void)done;
}

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0; }

class GlooGroup : public ProcessGroup {
 public:
  explicit GlooGroup(const DistributedOptions& o) : ProcessGroup(o) {
    quiet_c10d_logging();
    c10d::TCPStoreOptions store_options;
    store_options.port = static_cast<uint16_t>(o.master_port);
    store_options.isServer = o.rank == 0;
    store_options.numWorkers = o.world_size;
    store_options.waitWorkers = true;
    store_options.timeout = o.timeout;
    const std::string where = fmt::format("{}:{}", o.master_addr, o.master_port);
    c10::intrusive_ptr<c10d::TCPStore> store;
    try {
      store = c10::make_intrusive<c10d::TCPStore>(o.master_addr, store_options);
    } catch (const std::exception& e) {
      if (o.rank == 0)
        fail(name(), fmt::format("could not gather the {} ranks at {} within {} s ({})", o.world_size, where,
                                      o.timeout.count(), short_reason(e)));
      fail(name(), fmt::format("could not reach rank 0 at {} within {} s; is rank 0 running there, with the "
                                    "same MASTER_ADDR and MASTER_PORT?", where, o.timeout.count()));
    }
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(o.timeout);
    gloo_options->devices.push_back(device(o.master_addr));
    guarded("joining the run", [&] {
      group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store, o.rank, o.world_size, gloo_options);
    });
  }

  void sum(torch::Tensor& values) override {
    ++collectives_;
    guarded("summing over the ranks", [&] {
      std::vector<torch::Tensor> tensors{values};
      group_->allreduce(tensors)->wait();
    });
  }

  void broadcast(std::string& bytes) override {
    ++collectives_;
    guarded("receiving rank 0's data", [&] {
      std::vector<torch::Tensor> size{torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kLong)};
      group_->broadcast(size)->wait();
      bytes.resize(static_cast<size_t>(size[0].item<int64_t>()));
      std::vector<torch::Tensor> data{
          torch::from_blob(bytes.data(), {static_cast<int64_t>(bytes.size())}, torch::kUInt8)};
      if (!bytes.empty()) group_->broadcast(data)->wait();
    });
  }

 private:
  template <class F>
  void guarded(const char* what, F&& f) {
    try {
      f();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      fail(name(), fmt::format("lost contact with the other ranks while {} ({}); a rank has died or stopped "
                                    "answering for {} s", what, short_reason(e), options_.timeout.count()));
    }
  }

  // The network interface Gloo talks on: $GLOO_SOCKET_IFNAME as PyTorch, loopback for a run on
  // one machine, else the address this machine's hostname resolves to.
  static std::shared_ptr<gloo::transport::Device> device(const std::string& master_addr) {
    if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface)
      return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
    if (is_loopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    return c10d::ProcessGroupGloo::createDefaultDevice();
  }

  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

}  // namespace

DistributedOptions DistributedOptions::from_environment() {
  DistributedOptions o;
  auto get = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (const std::string v = get("MASTER_ADDR"); !v.empty()) o.master_addr = v;
  if (const std::string v = get("MASTER_PORT"); !v.empty()) o.master_port = parse_int("MASTER_PORT", v);
  if (const std::string v = get("WORLD_SIZE"); !v.empty()) o.world_size = parse_int("WORLD_SIZE", v);
  if (const std::string v = get("RANK"); !v.empty()) o.rank = parse_int("RANK", v);
  return o;
}

void DistributedOptions::set_url(const std::string& url) {
  static const std::regex pattern(R"(tcp://([^:/]+):(\d+)/?)");
  std::smatch m;
  if (!std::regex_match(url, m, pattern)) fail("--dist-url", "'" + url + "' is not of the form tcp://HOST:PORT");
  master_addr = m[1];
  master_port = parse_int("--dist-url", m[2]);
}

void DistributedOptions::check() const {
  if (world_size < 1) fail("WORLD_SIZE", fmt::format("must be at least 1 (is {})", world_size));
  if (rank < 0 || rank >= world_size)
    fail("RANK", fmt::format("{} is outside 0..{} for a world of {} process(es)", rank, world_size - 1, world_size));
  if (master_port < 1 || master_port > 65535)
    fail("MASTER_PORT", fmt::format("{} is not a TCP port (1..65535)", master_port));
  if (timeout.count() < 1) fail("--dist-timeout", "must be at least 1 second");
}

std::unique_ptr<ProcessGroup> ProcessGroup::join(const DistributedOptions& options) {
  options.check();
  return std::make_unique<GlooGroup>(options);
}

void ProcessGroup::sum(double* values, int64_t count) {
  torch::Tensor t = torch::from_blob(values, {count}, torch::kDouble);
  sum(t);
}

bool ProcessGroup::any(bool flag) {
  double v = flag ? 1.0 : 0.0;
  sum(&v, 1);
  return v > 0;
}

}  // namespace hoif
