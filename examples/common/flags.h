// Command-line flags of the example programs: `--name value` or `--name=value`, each flag bound
// to a variable that holds its default, with an optional check of the value:
//
//   int epochs = 5;
//   float lr = 1e-3f;
//   std::string data = "data/mnist";
//   bool pipeline = false;
//   FlagParser flags("mnist_mlp");
//   flags.Add("--epochs", &epochs, "epochs to train", [](int v) { return v >= 0; })
//       .Add("--learning_rate", &lr, "Adam's learning rate", [](float v) { return v > 0; })
//       .Add("--data_dir", &data, "where the IDX files are")
//       .Add("--pipeline", &pipeline, "read batches through a tf.data pipeline");
//   if (!flags.Parse(argc, argv)) return 2;   // it printed what was wrong, and the usage
//
// A bool flag stands alone (`--pipeline`) or takes true/false/1/0 after '='. AddList binds a
// flag to a fixed number of values (`--make-tfrecords ratings.csv out/`).
#ifndef SLUICE_EXAMPLES_COMMON_FLAGS_H_
#define SLUICE_EXAMPLES_COMMON_FLAGS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sluice {

class FlagParser {
 public:
  explicit FlagParser(std::string program) : program_(std::move(program)) {}

  FlagParser& Add(const std::string& name, int* value, const std::string& help,
                  std::function<bool(int)> valid = nullptr);
  FlagParser& Add(const std::string& name, int64_t* value, const std::string& help,
                  std::function<bool(int64_t)> valid = nullptr);
  FlagParser& Add(const std::string& name, float* value, const std::string& help,
                  std::function<bool(float)> valid = nullptr);
  FlagParser& Add(const std::string& name, double* value, const std::string& help,
                  std::function<bool(double)> valid = nullptr);
  FlagParser& Add(const std::string& name, std::string* value, const std::string& help,
                  std::function<bool(const std::string&)> valid = nullptr);
  FlagParser& Add(const std::string& name, bool* value, const std::string& help);
  // A flag followed by `count` values (each a separate argument); *values gets them.
  FlagParser& AddList(const std::string& name, int count, std::vector<std::string>* values, const std::string& help);
  // Another name for the flag added last (e.g. "--data" beside "--data_dir").
  FlagParser& Alias(const std::string& name);

  // Sets the bound variables from argv[1..]. On an unknown flag, a missing value or one that
  // does not parse or fails its check, prints "<program>: bad argument '...'" and the usage to
  // stderr and returns false. "--help" prints the usage and returns false.
  bool Parse(int argc, char** argv);
  std::string Usage() const;

 private:
  struct Flag {
    std::vector<std::string> names;
    std::string help, default_value;
    int count = 1;        // values after the flag; 0 for a bool flag given alone
    bool is_bool = false;
    std::function<bool(const std::vector<std::string>&)> set;  // false: the value is bad
  };
  FlagParser& AddFlag(Flag flag);
  const Flag* Find(const std::string& name) const;

  std::string program_;
  std::vector<Flag> flags_;
};

}  // namespace sluice

#endif  // SLUICE_EXAMPLES_COMMON_FLAGS_H_
