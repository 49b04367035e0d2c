// Planted: the engine includes Qt.
#include <QString>
