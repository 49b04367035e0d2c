// Planted: ui includes libtorch (not even on its include path: still caught by name).
#include <torch/torch.h>
