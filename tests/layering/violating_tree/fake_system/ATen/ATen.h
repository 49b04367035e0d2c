#pragma once
// Stand-in for libtorch's <ATen/ATen.h>.
