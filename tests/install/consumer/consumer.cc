// Builds y = relu(x W + b) with the client API, trains nothing, runs it and checks the value; then
// runs the same graph loaded from its GraphDef, which needs the registered ops and kernels.
#include <cmath>
#include <cstdio>

#include "sluice/sluice.h"

using namespace sluice;

int main() {
  Scope root = Scope::NewRootScope();
  auto x = ops::Placeholder(root.WithOpName("x"), DT_FLOAT, {-1, 2});
  auto w = ops::Const(root, Tensor::FromVector<float>({1, -1, 2, 3}, {2, 2}));
  auto b = ops::Const(root, {0.5f, -10.0f});
  auto y = ops::Relu(root.WithOpName("y"), ops::BiasAdd(root, ops::MatMul(root, x, w), b));
  Session session(root);
  std::vector<Tensor> out;
  Status s = session.Run({{x, Tensor::FromVector<float>({1, 2}, {1, 2})}}, {y}, &out);
  if (!s.ok()) {
    std::fprintf(stderr, "consumer: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  // [1, 2] x [[1, -1], [2, 3]] = [5, 5]; + [0.5, -10] = [5.5, -5]; relu: [5.5, 0].
  const float y0 = out[0].data<float>()[0], y1 = out[0].data<float>()[1];
  if (std::fabs(y0 - 5.5f) > 1e-6f || y1 != 0.0f) {
    std::fprintf(stderr, "consumer: got [%g, %g], want [5.5, 0]\n", y0, y1);
    return 1;
  }
  GraphDef graph_def;
  if (!root.ToGraphDef(&graph_def).ok()) return 1;
  auto loaded = Session::Create(graph_def);
  if (!loaded.ok()) {
    std::fprintf(stderr, "consumer: %s\n", std::string(loaded.status().message()).c_str());
    return 1;
  }
  s = (*loaded)->Run({{"x", Tensor::FromVector<float>({1, 2}, {1, 2})}}, {"y"}, {}, &out);
  if (!s.ok() || out[0].data<float>()[0] != y0 || out[0].data<float>()[1] != y1) {
    std::fprintf(stderr, "consumer: the loaded graph gave a different result\n");
    return 1;
  }
  std::printf("consumer: y = [%g, %g]\n", out[0].data<float>()[0], out[0].data<float>()[1]);
  return 0;
}
