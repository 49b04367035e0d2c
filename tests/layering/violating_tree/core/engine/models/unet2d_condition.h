#pragma once
// Stand-in for an engine internal: it includes libtorch.
#include <ATen/ATen.h>
