#pragma once
// Precompiled for every engine translation unit: libtorch's tensor library is the one
// heavy include of the project (~3 s per TU without a PCH on these machines).
#include <ATen/ATen.h>
