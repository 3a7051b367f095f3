// What the documentation's examples use without defining it: the graph's usual tensors and
// operations as parameters of the functions that hold the examples, and stand-ins for the kernel
// and shape function that the registration examples name. The examples are compiled, not run
// (their registrations would clash with the real ones).
#ifndef SLUICE_TESTS_DOC_EXAMPLES_CONTEXT_H_
#define SLUICE_TESTS_DOC_EXAMPLES_CONTEXT_H_

#include <vector>

#include "core/crc32c.h"
#include "core/env.h"
#include "core/file_record_reader.h"
#include "core/kernel.h"
#include "core/op_registry.h"
#include "core/record_io.h"
#include "core/table.h"
#include "core/type_lists.h"
#include "runtime/graph_passes.h"
#include "runtime/tensor_bundle.h"
#include "sluice/sluice.h"

namespace sluice::doc_examples {

template <typename T>
class MatMulOp : public OpKernel {
 public:
  explicit MatMulOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}
  void Compute(OpKernelContext* ctx) override {}
};
template <typename T>
using ReluOp = MatMulOp<T>;
Status MatMulShape(InferenceContext* c);

}  // namespace sluice::doc_examples

#define SLUICE_DOC_EXAMPLE_CONTEXT                                                              \
  [[maybe_unused]] Scope root, [[maybe_unused]] Scope scope, [[maybe_unused]] Output x,          \
      [[maybe_unused]] Output y, [[maybe_unused]] Output w, [[maybe_unused]] Output a,            \
      [[maybe_unused]] Output b, [[maybe_unused]] Output logits, [[maybe_unused]] Output labels, \
      [[maybe_unused]] Output loss, [[maybe_unused]] Output delta, [[maybe_unused]] Operation init, \
      [[maybe_unused]] Operation train, [[maybe_unused]] Tensor batch_x,                          \
      [[maybe_unused]] Tensor batch_y, [[maybe_unused]] Session& session

#endif  // SLUICE_TESTS_DOC_EXAMPLES_CONTEXT_H_
