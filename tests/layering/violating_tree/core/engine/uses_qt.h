// Deliberately breaks the rule: the layering check must reject this tree.
#include <QString>
