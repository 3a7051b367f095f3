// Placer: chooses the device of every node of a graph at once. Nodes that must share a device
// form colocation groups: a node that takes a reference or resource input goes with the node
// that produces it (a variable with its Assign, Apply* and Read ops), and TF's `_class` attr
// ("loc:@other") joins a node to the group of `other`. A group goes to the device its members
// request, if present and it has kernels for all of them, else to the first device (in priority
// order: GPU before CPU) that has. A request that cannot be met (a device that is not present, a
// device without a kernel for a member, two members requesting different devices) is an error
// naming the node, the request and the devices present, unless soft placement is on: then the
// group goes where it can (TF's allow_soft_placement). A malformed request is always an error.
#ifndef SLUICE_RUNTIME_PLACER_H_
#define SLUICE_RUNTIME_PLACER_H_

#include <string>
#include <vector>

#include "core/device.h"
#include "core/graph.h"
#include "core/status.h"

namespace sluice {

// A parsed device request: "/job:localhost/replica:0/task:0/device:GPU:1", "/device:CPU:0",
// "/gpu:0", "GPU:1", "/device:GPU:*", "/job:localhost". Unset fields match anything.
struct DeviceSpec {
  std::string job;      // empty: any
  int replica = -1;     // -1: any
  int task = -1;
  std::string type;     // upper case for the legacy "cpu"/"gpu" forms; empty: any
  int id = -1;          // -1: any

  bool empty() const { return job.empty() && replica < 0 && task < 0 && type.empty() && id < 0; }
  // Whether `device` (of this process: job localhost, replica 0, task 0) satisfies the spec.
  bool Matches(const Device& device) const;
};

// Parses a device string (empty: no request). InvalidArgument says what is malformed.
StatusOr<DeviceSpec> ParseDeviceSpec(absl::string_view spec);

struct PlacementOptions {
  bool allow_soft_placement = false;
  bool log_device_placement = false;  // one line per node on stderr: "name: (Op): device"
};

class Placer {
 public:
  // `devices` in priority order; they must outlive the placer.
  explicit Placer(std::vector<Device*> devices, PlacementOptions options = {})
      : devices_(std::move(devices)), options_(options) {}

  // The device of every node of `graph`, indexed by node id (null for ids of removed nodes).
  StatusOr<std::vector<Device*>> PlaceGraph(const Graph& graph) const;
  const std::vector<Device*>& devices() const { return devices_; }

 private:
  std::vector<Device*> devices_;
  PlacementOptions options_;
};

}  // namespace sluice

#endif  // SLUICE_RUNTIME_PLACER_H_
