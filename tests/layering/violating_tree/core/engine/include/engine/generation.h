#pragma once
// Stand-in for the engine's public surface.
