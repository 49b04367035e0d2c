// Planted: an adapter includes a header of a layer above it that its include roots do not
// hold (as in the real build), so the compiler finds no such file.
#include "ui/host_panel.h"
