// Classifies short "reviews" as positive or negative with an embedding and an LSTM:
//
//   word ids [n, T] (padded with 0) -> embedding --dim -> rnn::DynamicRnn over rnn::LSTMCell
//     (--units) with each review's length as sequence_length -> the final h (after each
//     review's last word) -> dense 1 -> the logit of "positive"
//
// trained with Adam on the sigmoid cross-entropy, in shuffled minibatches each padded to its
// longest review.
//
// No movie-review corpus is packaged for Debian, so the reviews are generated (seeded): a
// vocabulary of 12 positive and 12 negative words, 5 negators ("not", "never", "hardly",
// "isn't", "wasn't"), 5 intensifiers and 32 neutral words. A review is 1 to 4 sentiment phrases
// in neutral filler, 4 to 60 words in all. A phrase is a sentiment word, optionally after an
// intensifier, and negated (with probability 0.4) by a negator just before it or before its
// intensifier ("not good", "never very boring"); negation flips the word's polarity. The label is
// the sign of the sum of the phrases' polarities (reviews whose sum is 0 are drawn again). The
// rule needs the words' order: "good ... not bad" and "bad ... not good" hold the same words.
//
//   lstm_sentiment [--epochs 6] [--num_train 8000] [--num_val 1000] [--num_test 2000]
//                  [--batch_size 64] [--learning_rate 5e-3] [--dim 16] [--units 32] [--seed 1]
//                  [--max_steps N (stop after N steps; 0: no limit)] [--log_every 50]
//
// Prints the mean training loss every --log_every steps ("step N  loss X", the first step on
// its own), per epoch `epoch N train_loss X val_accuracy Y`, then `majority_baseline=` (the test
// accuracy of always answering the training set's majority label), `word_count_baseline=` (of
// counting positive minus negative words, ignoring order and so negation) and last
// `test_accuracy=`.
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "examples/common/flags.h"
#include "examples/common/loss_log.h"
#include "sluice.h"

namespace sluice {
namespace {

struct Flags {
  int epochs = 6;
  int64_t num_train = 8000, num_val = 1000, num_test = 2000;
  int batch = 64;
  float lr = 5e-3f;
  int64_t dim = 16;
  int64_t units = 32;
  int64_t seed = 1;
  int64_t max_steps = 0;
  int64_t log_every = 50;
};

bool ParseFlags(int argc, char** argv, Flags* f) {
  auto positive = [](int64_t v) { return v > 0; };
  FlagParser flags("lstm_sentiment");
  flags.Add("--epochs", &f->epochs, "epochs", [](int v) { return v >= 0; })
      .Add("--num_train", &f->num_train, "training reviews", positive)
      .Add("--num_val", &f->num_val, "validation reviews", positive)
      .Add("--num_test", &f->num_test, "test reviews", positive)
      .Add("--batch_size", &f->batch, "reviews per step", [](int v) { return v > 0; })
      .Add("--learning_rate", &f->lr, "Adam's learning rate", [](float v) { return v > 0; })
      .Add("--dim", &f->dim, "embedding size", positive)
      .Add("--units", &f->units, "LSTM units", positive)
      .Add("--seed", &f->seed, "seed (the reviews, initial weights, batch order)")
      .Add("--max_steps", &f->max_steps, "stop after N steps (0: no limit)", [](int64_t v) { return v >= 0; })
      .Add("--log_every", &f->log_every, "steps between progress lines", positive);
  return flags.Parse(argc, argv);
}

// The generated reviews' vocabulary; id 0 is the padding.
struct Vocabulary {
  std::vector<std::string> words = {"<pad>"};
  std::vector<int32_t> positive, negative, negators, intensifiers, neutral;

  Vocabulary() {
    Add(&positive, {"good", "great", "excellent", "wonderful", "brilliant", "enjoyable", "moving", "superb",
                    "delightful", "charming", "fun", "beautiful"});
    Add(&negative, {"bad", "awful", "terrible", "boring", "dull", "poor", "weak", "tedious", "mediocre",
                    "predictable", "annoying", "clumsy"});
    Add(&negators, {"not", "never", "hardly", "isn't", "wasn't"});
    Add(&intensifiers, {"very", "really", "so", "quite", "truly"});
    Add(&neutral, {"the", "movie", "film", "plot", "acting", "was", "is", "a", "and", "it", "this", "story",
                   "cast", "ending", "director", "script", "i", "thought", "with", "of", "but", "scenes", "music",
                   "characters", "overall", "pacing", "dialogue", "sequel", "camera", "we", "saw", "its"});
  }
  void Add(std::vector<int32_t>* ids, const std::vector<std::string>& new_words) {
    for (const std::string& w : new_words) {
      ids->push_back(static_cast<int32_t>(words.size()));
      words.push_back(w);
    }
  }
};

struct Review {
  std::vector<int32_t> ids;
  bool positive = false;
};

Review GenerateReview(const Vocabulary& v, std::mt19937_64& rng) {
  auto pick = [&](const std::vector<int32_t>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  auto filler = [&](Review* r, int lo, int hi) {
    const int count = std::uniform_int_distribution<int>(lo, hi)(rng);
    for (int i = 0; i < count; ++i) r->ids.push_back(pick(v.neutral));
  };
  while (true) {
    Review r;
    int polarity = 0;
    const int phrases = std::uniform_int_distribution<int>(1, 4)(rng);
    filler(&r, 0, 4);
    for (int p = 0; p < phrases; ++p) {
      const bool word_positive = chance(0.5), negated = chance(0.4), intensified = chance(0.3);
      if (negated) r.ids.push_back(pick(v.negators));
      if (intensified) r.ids.push_back(pick(v.intensifiers));
      r.ids.push_back(pick(word_positive ? v.positive : v.negative));
      polarity += (word_positive != negated) ? 1 : -1;
      filler(&r, p + 1 < phrases ? 1 : 0, 8);
    }
    if (polarity == 0 || r.ids.size() < 4 || r.ids.size() > 60) continue;
    r.positive = polarity > 0;
    return r;
  }
}

// A batch of reviews order[begin, begin + count): ids [count, longest] (padded with 0), lengths
// [count] and labels [count] (1 positive).
struct Batch {
  Tensor ids, lengths, labels;
};

Batch MakeBatch(const std::vector<Review>& reviews, const std::vector<int64_t>& order, int64_t begin,
                int64_t count) {
  size_t longest = 0;
  for (int64_t i = 0; i < count; ++i) longest = std::max(longest, reviews[order[begin + i]].ids.size());
  Batch b;
  b.ids = Tensor(DT_INT32, TensorShape{count, static_cast<int64_t>(longest)});
  b.lengths = Tensor(DT_INT32, TensorShape{count});
  b.labels = Tensor(DT_FLOAT, TensorShape{count});
  int32_t* ids = b.ids.flat<int32_t>().data();
  std::fill(ids, ids + count * longest, 0);
  for (int64_t i = 0; i < count; ++i) {
    const Review& r = reviews[order[begin + i]];
    std::copy(r.ids.begin(), r.ids.end(), ids + i * longest);
    b.lengths.flat<int32_t>().data()[i] = static_cast<int32_t>(r.ids.size());
    b.labels.flat<float>().data()[i] = r.positive ? 1.0f : 0.0f;
  }
  return b;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;

  const Vocabulary vocab;
  std::mt19937_64 data_rng(flags.seed);
  auto generate = [&](int64_t n) {
    std::vector<Review> reviews;
    reviews.reserve(n);
    for (int64_t i = 0; i < n; ++i) reviews.push_back(GenerateReview(vocab, data_rng));
    return reviews;
  };
  const std::vector<Review> train = generate(flags.num_train), val = generate(flags.num_val),
                            test = generate(flags.num_test);
  int64_t train_positive = 0, test_positive = 0;
  for (const Review& r : train) train_positive += r.positive;
  for (const Review& r : test) test_positive += r.positive;
  std::printf("%lld training, %lld validation, %lld test reviews; %.1f%% of the training reviews positive\n",
              static_cast<long long>(train.size()), static_cast<long long>(val.size()),
              static_cast<long long>(test.size()), 100.0 * train_positive / train.size());
  for (int i = 0; i < 3; ++i) {
    std::vector<std::string> words;
    for (int32_t id : train[i].ids) words.push_back(vocab.words[id]);
    std::printf("  %s: %s\n", train[i].positive ? "positive" : "negative", absl::StrJoin(words, " ").c_str());
  }

  Scope root = Scope::NewRootScope();
  auto ids = ops::Placeholder(root.WithOpName("ids"), DT_INT32, {-1, -1});
  auto lengths = ops::Placeholder(root.WithOpName("lengths"), DT_INT32, {-1});
  auto labels = ops::Placeholder(root.WithOpName("labels"), DT_FLOAT, {-1});
  Variable embedding(root.WithOpName("embedding"),
                     TensorShape{static_cast<int64_t>(vocab.words.size()), flags.dim},
                     init::RandomUniform(-0.1f, 0.1f, flags.seed));
  auto embedded = ops::EmbeddingLookup(root, {embedding.value()}, ids);  // [n, T, dim]
  rnn::LSTMCellOptions cell_options;
  cell_options.initializer = init::GlorotUniform(flags.seed + 1);
  rnn::LSTMCell cell(flags.units, cell_options);
  rnn::RnnOptions rnn_options;
  rnn_options.sequence_length = lengths;
  rnn_options.dtype = DT_FLOAT;
  rnn::RnnResult rnn = rnn::DynamicRnn(root, cell, embedded, rnn_options);
  if (!root.ok()) {
    std::fprintf(stderr, "lstm_sentiment: %s\n", std::string(root.status().message()).c_str());
    return 1;
  }
  auto logits = ops::Squeeze(root.WithOpName("logits"),
                             layers::Dense(root.NewSubScope("dense"), rnn.state[1], 1, nullptr,
                                           init::GlorotUniform(flags.seed + 2)),
                             {1});
  auto loss = ops::Mean(root.WithOpName("loss"), ops::SigmoidCrossEntropyWithLogits(root, labels, logits), {0});
  auto predicted = ops::Cast(root, ops::Greater(root, logits, 0.0f), DT_FLOAT);
  auto correct_count =
      ops::Sum(root.WithOpName("correct_count"), ops::Cast(root, ops::Equal(root, predicted, labels), DT_FLOAT), {0});
  Operation train_op = train::AdamOptimizer(flags.lr).Minimize(root, loss);
  Operation init = ops::GlobalVariablesInitializer(root);
  if (!root.ok()) {
    std::fprintf(stderr, "lstm_sentiment: %s\n", std::string(root.status().message()).c_str());
    return 1;
  }

  Session session(root);
  std::vector<Tensor> out;
  SLUICE_CHECK_OK(session.Run({}, {}, {init}, &out));

  auto accuracy = [&](const std::vector<Review>& reviews) {
    std::vector<int64_t> all(reviews.size());
    std::iota(all.begin(), all.end(), 0);
    const int64_t n = static_cast<int64_t>(reviews.size());
    double right = 0;
    for (int64_t begin = 0; begin < n; begin += 500) {
      const Batch b = MakeBatch(reviews, all, begin, std::min<int64_t>(500, n - begin));
      SLUICE_CHECK_OK(
          session.Run({{ids, b.ids}, {lengths, b.lengths}, {labels, b.labels}}, {correct_count}, {}, &out));
      right += out[0].scalar<float>();
    }
    return right / n;
  };

  const int64_t n = static_cast<int64_t>(train.size());
  const int64_t steps_per_epoch = (n + flags.batch - 1) / flags.batch;
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(flags.seed);
  int64_t step = 0;
  StepLossLog loss_log(flags.log_every);
  bool stopped = false;
  for (int epoch = 1; epoch <= flags.epochs && !stopped; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    loss_log.StartEpoch();
    for (int64_t i = 0; i < steps_per_epoch; ++i) {
      if (flags.max_steps > 0 && step >= flags.max_steps) {
        stopped = true;
        break;
      }
      const int64_t begin = i * flags.batch;
      const Batch b = MakeBatch(train, order, begin, std::min<int64_t>(flags.batch, n - begin));
      SLUICE_CHECK_OK(
          session.Run({{ids, b.ids}, {lengths, b.lengths}, {labels, b.labels}}, {loss}, {train_op}, &out));
      loss_log.Add(++step, out[0].scalar<float>());
    }
    const int64_t epoch_steps = loss_log.epoch_steps();
    if (epoch_steps == 0) break;
    std::printf("epoch %d train_loss %.4f val_accuracy %.4f%s\n", epoch, loss_log.EpochMean(), accuracy(val),
                epoch_steps < steps_per_epoch ? " (stopped by --max_steps)" : "");
    std::fflush(stdout);
  }
  const bool majority_positive = 2 * train_positive >= n;
  const double majority = static_cast<double>(majority_positive ? test_positive : test.size() - test_positive) /
                          static_cast<double>(test.size());
  // The lexicon's answer without word order: the sign of (positive words - negative words), ties
  // the majority label.
  int64_t lexicon_right = 0;
  for (const Review& r : test) {
    int64_t sum = 0;
    for (int32_t id : r.ids) {
      sum += std::count(vocab.positive.begin(), vocab.positive.end(), id) -
             std::count(vocab.negative.begin(), vocab.negative.end(), id);
    }
    lexicon_right += (sum == 0 ? majority_positive : sum > 0) == r.positive;
  }
  std::printf("trained %lld steps\n", static_cast<long long>(step));
  std::printf("majority_baseline=%.4f\n", majority);
  std::printf("word_count_baseline=%.4f (positive minus negative words, negation ignored)\n",
              static_cast<double>(lexicon_right) / static_cast<double>(test.size()));
  std::printf("test_accuracy=%.4f\n", accuracy(test));
  return 0;
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) { return sluice::Main(argc, argv); }
