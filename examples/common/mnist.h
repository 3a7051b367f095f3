// The MNIST data set in its original IDX files (also Fashion-MNIST, which uses the same layout).
#ifndef SLUICE_EXAMPLES_COMMON_MNIST_H_
#define SLUICE_EXAMPLES_COMMON_MNIST_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "core/tensor.h"

namespace sluice {

struct MnistSplit {
  Tensor images;  // float [n, 784]: 28x28 pixels row by row, scaled from 0..255 to [0, 1]
  Tensor labels;  // int64 [n]: digits 0..9
};

// Loads the training split (`train`: train-images-idx3-ubyte, train-labels-idx1-ubyte) or the
// test split (t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte) from `dir`. Each file may instead be
// gzip-compressed with a ".gz" suffix. Validates the magic numbers (0x00000803 for images,
// 0x00000801 for labels), the 28x28 image size, the file sizes against the declared dimensions,
// that image and label counts agree, and that labels are 0..9; errors name the file and, where
// it helps, the byte offset.
StatusOr<MnistSplit> LoadMnist(const std::string& dir, bool train);
// Both splits, for a program that trains on one and evaluates on the other: LoadMnist(dir, true)
// and LoadMnist(dir, false), whose errors it returns, and an InvalidArgument error when either
// split has no images ("the training set in DIR is empty: nothing to train on or to evaluate",
// or "test").
struct MnistTrainTest {
  MnistSplit train, test;
};
StatusOr<MnistTrainTest> LoadMnistTrainTest(const std::string& dir);
// The same checks and conversion on the bytes of the two IDX files (uncompressed); the names
// are for errors.
StatusOr<MnistSplit> ParseMnist(std::string images_bytes, std::string labels_bytes, const std::string& images_name,
                                const std::string& labels_name);

// The repository's data folder for `name` ("mnist" -> "<repository>/data/mnist", where
// tools/setup.sh puts it), so that the examples find their data wherever they are started from.
std::string RepositoryDataDir(const std::string& name);

// "<dir>/<name>" when that file exists or "<dir>/<name>.gz" does not, else the latter.
std::string IdxPath(const std::string& dir, const std::string& name);

// Rows order[begin, begin + n) of `src` (along its first dimension) as a new [n, ...] tensor: a
// shuffled batch.
Tensor GatherRows(const Tensor& src, const std::vector<int64_t>& order, int64_t begin, int64_t n);
// Rows [begin, begin + n) of `src`.
Tensor Rows(const Tensor& src, int64_t begin, int64_t n);

}  // namespace sluice

#endif  // SLUICE_EXAMPLES_COMMON_MNIST_H_
