// The public API of sluice in one include: #include "sluice/sluice.h".
#ifndef SLUICE_SLUICE_H_
#define SLUICE_SLUICE_H_

#include "core/file_io.h"
#include "core/npy.h"
#include "core/status.h"
#include "core/tensor.h"
#include "core/tensor_list.h"
#include "core/tensor_shape.h"
#include "core/types.h"
#include "ops/array_ops.h"
#include "ops/check_ops.h"
#include "ops/control_flow_ops.h"
#include "ops/function.h"
#include "ops/gradients.h"
#include "ops/initializers.h"
#include "ops/layers.h"
#include "ops/list_ops.h"
#include "ops/math_ops.h"
#include "ops/nn_ops.h"
#include "ops/random_ops.h"
#include "ops/resource_variable_ops.h"
#include "ops/saver.h"
#include "ops/scope.h"
#include "ops/state_ops.h"
#include "ops/training.h"
#include "ops/training_ops.h"
#include "ops/variables.h"
#include "runtime/freeze_graph.h"
#include "runtime/session.h"

#endif  // SLUICE_SLUICE_H_
