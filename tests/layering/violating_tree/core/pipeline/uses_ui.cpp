// Planted: the pipeline includes a header of a layer above it.
#include "ui/main_window.h"
