#pragma once
// Shared precompiled header of the engine tests: libtorch's tensor library and Qt Test.
#include <ATen/ATen.h>

#include <QtTest>
