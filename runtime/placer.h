// Placer: chooses the device of every node of a plan. A node's requested device is honoured
// when the session has that device and a kernel for the node there; otherwise (soft placement,
// as TF's allow_soft_placement) the node goes to the first device that has a kernel for it, CPU
// last. GPU devices and the colocation of variables with the ops that update them plug in here.
#ifndef SLUICE_RUNTIME_PLACER_H_
#define SLUICE_RUNTIME_PLACER_H_

#include <vector>

#include "core/device.h"
#include "core/graph.h"
#include "core/status.h"

namespace sluice {

class Placer {
 public:
  // `devices` in order of preference for nodes without a request; must outlive the placer.
  explicit Placer(std::vector<Device*> devices) : devices_(std::move(devices)) {}
  // The device for `node`; NotFound names the node when no device has a kernel for it.
  StatusOr<Device*> Place(const Node& node) const;

 private:
  std::vector<Device*> devices_;
};

// Parses "/device:GPU:1", "/job:localhost/replica:0/task:0/device:CPU:0", "/cpu:0", "GPU:0" into
// a type ("GPU") and index (1). Returns false when `spec` names no device; an empty spec is
// "no request" and also returns false.
bool ParseDeviceSpec(absl::string_view spec, std::string* type, int* index);

}  // namespace sluice

#endif  // SLUICE_RUNTIME_PLACER_H_
