#pragma once
// A pipeline error as a curator reads it: a translated headline for its type, the typed
// code (for reports and logs) and the message.

#include <QString>

#include "pipeline/errors.h"

namespace archival::ui {

QString errorHeadline(pipeline::ErrorCode code);
// "ModelLoad: the folder ... has no unet/"
QString errorLine(const pipeline::Error& error);
// "<b>The model could not be loaded</b> (ModelLoad): the folder ... has no unet/"
QString errorHtml(const pipeline::Error& error);

}  // namespace archival::ui
