// Planted: ui includes an engine header outside core/engine/include (which brings libtorch).
#include "engine/models/unet2d_condition.h"
