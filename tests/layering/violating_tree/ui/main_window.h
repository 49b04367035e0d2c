#pragma once
// Stand-in for a ui header.
