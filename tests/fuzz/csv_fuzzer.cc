// libFuzzer target: CSV records from outside bytes through DecodeCSV (kernels/cpu/parsing_ops.cc):
// the bytes' lines as records of three columns (int64, float, string, with defaults), with and
// without quoting, all columns and select_cols. A run either succeeds with one value per record
// in each column, or fails with a one-line error of bounded length; anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "sluice.h"

namespace {

struct Graph {
  sluice::Scope root = sluice::Scope::NewRootScope();
  sluice::Output records;
  std::vector<std::vector<sluice::Output>> decoders;
  std::unique_ptr<sluice::Session> session;

  Graph() {
    using namespace sluice;
    records = ops::Placeholder(root, DT_STRING, {-1});
    std::vector<Tensor> defaults = {Tensor::FromVector<int64_t>({-1}), Tensor::FromVector<float>({0.5f}),
                                    Tensor::FromVector<std::string>({"?"})};
    for (bool quote : {true, false}) {
      ops::DecodeCSVOptions o;
      o.use_quote_delim = quote;
      o.na_value = "NA";
      decoders.push_back(ops::DecodeCSV(root, records, defaults, o));
      o.select_cols = {0, 2, 5};
      decoders.push_back(ops::DecodeCSV(root, records, defaults, o));
    }
    session = std::make_unique<Session>(root);
  }
};

void CheckOneLine(const sluice::Status& s) {
  if (s.ok()) return;
  if (s.message().size() > sluice::errors::kMaxMessageBytes + 64) std::abort();
  for (unsigned char c : s.message()) {
    if (c < 0x20 || c == 0x7f) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Graph* graph = new Graph();
  std::vector<std::string> lines(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      lines.emplace_back();
    } else {
      lines.back() += static_cast<char>(data[i]);
    }
  }
  const int64_t n = static_cast<int64_t>(lines.size());
  const std::vector<std::pair<sluice::Endpoint, sluice::Tensor>> feeds = {
      {graph->records, sluice::Tensor::FromVector<std::string>(lines, {n})}};
  for (const auto& columns : graph->decoders) {
    std::vector<sluice::Endpoint> fetches(columns.begin(), columns.end());
    std::vector<sluice::Tensor> out;
    sluice::Status s = graph->session->Run(feeds, fetches, &out);
    CheckOneLine(s);
    if (!s.ok()) continue;
    for (const sluice::Tensor& t : out) {
      if (t.NumElements() != n) std::abort();
    }
  }
  return 0;
}
