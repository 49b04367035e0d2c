#include "ui/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QScreen>
#include <QSet>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "pipeline/prompt_tokens.h"
#include "ui/error_text.h"
#include "ui/gallery_panel.h"
#include "ui/image_canvas.h"
#include "ui/image_saver.h"
#include "ui/init_image_panel.h"
#include "ui/memory_panel.h"
#include "ui/preview_view.h"
#include "ui/program_panel.h"
#include "ui/prompt_editor.h"
#include "ui/settings_dialog.h"
#include "ui/studio_backend.h"

namespace archival::ui {

namespace {
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
constexpr int kLayoutVersion = 1;

bool isImageToImage(const pipeline::Program* p) {
    return p && p->kind == QLatin1String("image-to-image");
}
}  // namespace

MainWindow::MainWindow(StudioBackend* backend, QWidget* parent)
    : QMainWindow(parent), backend_(backend), settings_(StudioSettings::load()) {
    setWindowTitle(tr("Archival Studio"));
    setObjectName(QStringLiteral("MainWindow"));
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);

    // Centre: an error banner over the init image (image-to-image) and the live preview.
    auto* centre = new QWidget(this);
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->setSpacing(0);
    auto* banner = new QWidget(centre);
    banner->setObjectName(QStringLiteral("errorBar"));
    banner->setStyleSheet(QStringLiteral("#errorBar { background: #fde7e7; }"));
    auto* bannerLayout = new QHBoxLayout(banner);
    bannerLayout->setContentsMargins(8, 6, 4, 6);
    errorBanner_ = new QLabel(banner);
    errorBanner_->setObjectName(QStringLiteral("errorBanner"));
    errorBanner_->setAccessibleName(tr("Error"));
    errorBanner_->setWordWrap(true);
    errorBanner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    errorBanner_->setStyleSheet(QStringLiteral("color: #8a1010;"));
    errorClose_ = new QToolButton(banner);
    errorClose_->setIcon(QIcon(QStringLiteral(":/ui/clear.svg")));
    errorClose_->setAccessibleName(tr("Dismiss error"));
    errorClose_->setToolTip(tr("Dismiss"));
    errorClose_->setAutoRaise(true);
    bannerLayout->addWidget(errorBanner_, 1);
    bannerLayout->addWidget(errorClose_, 0, Qt::AlignTop);
    banner->hide();
    connect(errorClose_, &QToolButton::clicked, this, &MainWindow::clearError);
    centreLayout->addWidget(banner);

    centralSplit_ = new QSplitter(Qt::Horizontal, centre);
    centralSplit_->setObjectName(QStringLiteral("centralSplit"));
    centralSplit_->setChildrenCollapsible(false);
    initPanel_ = new InitImagePanel(centralSplit_);
    initPanel_->setObjectName(QStringLiteral("initImagePanel"));
    preview_ = new PreviewView(centralSplit_);
    preview_->setObjectName(QStringLiteral("previewView"));
    centralSplit_->setStretchFactor(0, 1);
    centralSplit_->setStretchFactor(1, 2);
    centreLayout->addWidget(centralSplit_, 1);
    setCentralWidget(centre);

    programPanel_ = new ProgramPanel(this);
    programPanel_->setObjectName(QStringLiteral("programPanel"));
    promptEditor_ = new PromptEditor(this);
    promptEditor_->setObjectName(QStringLiteral("promptEditor"));
    gallery_ = new GalleryPanel(this);
    gallery_->setObjectName(QStringLiteral("galleryPanel"));
    memory_ = new MemoryPanel(backend_, this);
    memory_->setObjectName(QStringLiteral("memoryPanel"));
    saver_ = new ImageSaver(this);

    statusLabel_ = new QLabel(this);
    statusLabel_->setObjectName(QStringLiteral("statusText"));
    statusLabel_->setAccessibleName(tr("Status"));
    progressBar_ = new QProgressBar(this);
    progressBar_->setObjectName(QStringLiteral("jobProgress"));
    progressBar_->setAccessibleName(tr("Job progress"));
    progressBar_->setMinimumWidth(160);
    progressBar_->setMaximumWidth(260);
    progressBar_->hide();
    statusBar()->addWidget(statusLabel_, 1);
    statusBar()->addPermanentWidget(progressBar_);

    buildActions();
    buildDocks();

    connect(promptEditor_, &PromptEditor::promptChanged, programPanel_,
            &ProgramPanel::setTypedPrompt);
    connect(programPanel_, &ProgramPanel::programChanged, this, &MainWindow::programSelected);
    connect(gallery_, &GalleryPanel::reuseRequested, this, &MainWindow::reuse);
    connect(saver_, &ImageSaver::saved, this, [this](const QString& path, const QImage& image) {
        gallery_->addImage(path, image);
        savedThisJob_ << path;
        if (--imagesToSave_ == 0) {
            setStatus(tr("Saved %1").arg(QFileInfo(path).fileName()));
            Q_EMIT imagesSaved(savedThisJob_);
        }
    });
    connect(saver_, &ImageSaver::failed, this, [this](const QString& message) {
        imagesToSave_ = 0;
        showError(errorHtml({pipeline::ErrorCode::Storage, message}));
    });

    connect(backend_, &StudioBackend::started, this, &MainWindow::onStarted);
    connect(backend_, &StudioBackend::stage, this, &MainWindow::onStage);
    connect(backend_, &StudioBackend::progress, this, &MainWindow::onProgress);
    connect(backend_, &StudioBackend::finished, this, &MainWindow::onFinished);
    connect(backend_, &StudioBackend::failed, this, &MainWindow::onFailed);
    connect(backend_, &StudioBackend::cancelled, this, &MainWindow::onCancelled);

    // The backend was built from the same QSettings; the memory budget stays the backend's.
    backend_->setServiceSettings(settings_.service);
    resolveModels();
    gallery_->setFolder(settings_.outputFolder);
    setBusy(false);
    restoreLayout();

    const auto issues = backend_->registry().issues();
    setStatus(issues.isEmpty() ? modelStatusText()
                               : tr("%1 %n problem(s) in the program files; see Program.", nullptr,
                                    int(issues.size()))
                                     .arg(modelStatusText()));
    promptEditor_->promptEdit()->setFocus();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions() {
    auto make = [this](const QString& icon, const QString& text, const QString& name) {
        auto* a = new QAction(QIcon(QStringLiteral(":/ui/%1.svg").arg(icon)), text, this);
        a->setObjectName(name);
        a->setToolTip(text);
        return a;
    };
    generateAction_ = make(QStringLiteral("generate"), tr("&Generate"), QStringLiteral("generate"));
    generateAction_->setShortcuts(
        {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    generateAction_->setToolTip(tr("Generate (Ctrl+Enter)"));
    cancelAction_ = make(QStringLiteral("cancel"), tr("&Cancel"), QStringLiteral("cancel"));
    cancelAction_->setShortcut(QKeySequence(Qt::Key_Escape));
    cancelAction_->setToolTip(tr("Cancel (Esc)"));
    zoomFitAction_ =
        make(QStringLiteral("zoom-fit"), tr("Zoom to &fit"), QStringLiteral("zoomFit"));
    zoomFitAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    zoomFitAction_->setCheckable(true);
    zoomFitAction_->setChecked(true);
    zoomActualAction_ =
        make(QStringLiteral("zoom-original"), tr("Zoom &100%"), QStringLiteral("zoomActual"));
    zoomActualAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    zoomActualAction_->setCheckable(true);
    auto* zoomGroup = new QActionGroup(this);
    zoomGroup->addAction(zoomFitAction_);
    zoomGroup->addAction(zoomActualAction_);
    settingsAction_ =
        make(QStringLiteral("settings"), tr("&Settings…"), QStringLiteral("settings"));
    settingsAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    clearCacheAction_ =
        make(QStringLiteral("clear-cache"), tr("C&lear model cache"), QStringLiteral("clearCache"));
    resetLayoutAction_ =
        make(QStringLiteral("layout-reset"), tr("&Reset layout"), QStringLiteral("resetLayout"));
    quitAction_ = make(QStringLiteral("quit"), tr("&Quit"), QStringLiteral("quit"));
    quitAction_->setShortcut(QKeySequence::Quit);

    connect(generateAction_, &QAction::triggered, this, [this] { generate(); });
    connect(cancelAction_, &QAction::triggered, this, &MainWindow::cancel);
    connect(zoomFitAction_, &QAction::triggered, this,
            [this] { preview_->canvas()->setZoom(ImageCanvas::Zoom::Fit); });
    connect(zoomActualAction_, &QAction::triggered, this,
            [this] { preview_->canvas()->setZoom(ImageCanvas::Zoom::Actual); });
    connect(settingsAction_, &QAction::triggered, this, &MainWindow::openSettings);
    connect(clearCacheAction_, &QAction::triggered, this, [this] {
        backend_->clearCache();
        memory_->refresh();
        setStatus(tr("Model cache cleared."));
    });
    connect(resetLayoutAction_, &QAction::triggered, this, &MainWindow::resetLayout);
    connect(quitAction_, &QAction::triggered, this, &QWidget::close);

    auto* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->setAccessibleName(tr("Main toolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(generateAction_);
    toolbar->addAction(cancelAction_);
    toolbar->addSeparator();
    toolbar->addAction(zoomFitAction_);
    toolbar->addAction(zoomActualAction_);
    toolbar->addSeparator();
    toolbar->addAction(settingsAction_);
    // Tool buttons take their accessible names from their actions.
    for (auto* b : toolbar->findChildren<QToolButton*>())
        if (b->defaultAction()) b->setAccessibleName(b->defaultAction()->iconText());

    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(settingsAction_);
    file->addSeparator();
    file->addAction(quitAction_);
    auto* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(generateAction_);
    run->addAction(cancelAction_);
    run->addSeparator();
    run->addAction(clearCacheAction_);
}

void MainWindow::buildDocks() {
    auto dock = [this](QWidget* w, const QString& title, const QString& name) {
        auto* d = new QDockWidget(title, this);
        d->setObjectName(name);
        d->setWidget(w);
        d->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                       QDockWidget::DockWidgetClosable);
        docks_ << d;
        return d;
    };
    programDock_ = dock(programPanel_, tr("Program"), QStringLiteral("programDock"));
    promptDock_ = dock(promptEditor_, tr("Prompt"), QStringLiteral("promptDock"));
    galleryDock_ = dock(gallery_, tr("Gallery"), QStringLiteral("galleryDock"));
    memoryDock_ = dock(memory_, tr("Memory"), QStringLiteral("memoryDock"));

    viewMenu_ = menuBar()->addMenu(tr("&View"));
    viewMenu_->addAction(zoomFitAction_);
    viewMenu_->addAction(zoomActualAction_);
    viewMenu_->addSeparator();
    for (const auto& d : docks_) viewMenu_->addAction(d->toggleViewAction());
    viewMenu_->addSeparator();
    viewMenu_->addAction(resetLayoutAction_);
    resetLayout();
}

QDockWidget* MainWindow::addPanelDock(QWidget* panel, const QString& title,
                                      const QString& objectName) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(objectName);
    d->setWidget(panel);
    d->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                   QDockWidget::DockWidgetClosable);
    docks_ << d;
    extraDocks_ << d;
    viewMenu_->insertAction(resetLayoutAction_, d->toggleViewAction());
    // Where the curator left it last time, else in a tab beside the gallery.
    if (!restoreDockWidget(d)) {
        addDockWidget(Qt::RightDockWidgetArea, d);
        tabifyDockWidget(memoryDock_, d);
        d->show();
        galleryDock_->raise();
    }
    return d;
}

void MainWindow::resetLayout() {
    for (const auto& d : docks_) {
        if (!d) continue;  // a panel dock deleted by its owner
        d->setFloating(false);
        d->show();
    }
    addDockWidget(Qt::LeftDockWidgetArea, programDock_);
    addDockWidget(Qt::BottomDockWidgetArea, promptDock_);
    addDockWidget(Qt::RightDockWidgetArea, galleryDock_);
    addDockWidget(Qt::RightDockWidgetArea, memoryDock_);
    tabifyDockWidget(galleryDock_, memoryDock_);
    for (const auto& d : extraDocks_) {
        if (!d) continue;
        addDockWidget(Qt::RightDockWidgetArea, d);
        tabifyDockWidget(memoryDock_, d);
    }
    galleryDock_->raise();
    // The bottom dock sits under the preview only: the side docks take the corners.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    // Side panels a share of the window: readable at 1366x768, not wasteful at 4K.
    const int side = qBound(280, width() / 5, 640);
    resizeDocks({programDock_, galleryDock_}, {side, side}, Qt::Horizontal);
    resizeDocks({promptDock_}, {qBound(150, height() / 5, 400)}, Qt::Vertical);
}

void MainWindow::restoreLayout() {
    QSettings s;
    const QByteArray geometry = s.value(kGeometryKey).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry)) {
        const QSize screen = this->screen() ? this->screen()->availableSize() : QSize(1366, 768);
        resize(screen * 0.9);
    }
    // A first run: docks sized for this window.
    if (!restoreState(s.value(kStateKey).toByteArray(), kLayoutVersion)) resetLayout();
}

void MainWindow::saveLayout() const {
    QSettings s;
    s.setValue(kGeometryKey, saveGeometry());
    s.setValue(kStateKey, saveState(kLayoutVersion));
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveLayout();
    if (currentJob_) backend_->cancel(currentJob_);
    QMainWindow::closeEvent(event);
}

void MainWindow::resolveModels() {
    const auto registry = backend_->registry();
    models_.clear();
    QSet<QString> seen;
    for (const auto& p : registry.programs()) {
        if (seen.contains(p.model)) continue;
        seen.insert(p.model);
        models_.append(backend_->resolve(p));
    }
    counters_.clear();
    programPanel_->setRegistry(registry, models_);
    programSelected(programPanel_->currentProgramId());
}

QString MainWindow::modelStatusText() const {
    int found = 0;
    for (const auto& m : models_) found += m.usable() ? 1 : 0;
    if (models_.isEmpty()) return tr("No programs, so no models to look for.");
    if (found == models_.size()) return tr("All %n model(s) found.", nullptr, found);
    return tr("%1 of %2 models found; see Program for where we looked.")
        .arg(found)
        .arg(models_.size());
}

void MainWindow::programSelected(const QString&) {
    const pipeline::Program* p = programPanel_->currentProgram();
    const bool img2img = isImageToImage(p);
    initPanel_->setVisible(img2img);
    promptEditor_->setNegativeDefault(p ? p->negativePrompt : QString());
    if (!p) {
        promptEditor_->setTokenCounter(nullptr, QString(), tr("no program selected"));
        return;
    }
    const auto* res = programPanel_->resolutionFor(p->model);
    if (!res || !res->usable() || res->singleFile) {
        promptEditor_->setTokenCounter(nullptr, p->promptTemplate,
                                       tr("the model's tokenizer was not found"));
        return;
    }
    auto counter = counters_.value(res->path);
    QString why;
    if (!counter) {
        counter = pipeline::PromptTokenCounter::forModelFolder(res->path, &why);
        if (counter) counters_.insert(res->path, counter);
    }
    promptEditor_->setTokenCounter(counter, p->promptTemplate, why);
}

bool MainWindow::generate() {
    if (currentJob_) {
        setStatus(tr("Already generating; Esc cancels."));
        return false;
    }
    const pipeline::Program* p = programPanel_->currentProgram();
    if (!p) {
        showError(errorHtml({pipeline::ErrorCode::InvalidRequest, tr("Choose a program first.")}));
        return false;
    }
    const QString prompt = promptEditor_->prompt().trimmed();
    if (prompt.isEmpty()) {
        showError(errorHtml({pipeline::ErrorCode::InvalidRequest, tr("Type a prompt first.")}));
        promptEditor_->promptEdit()->setFocus();
        return false;
    }
    pipeline::JobRequest request;
    request.programId = p->id;
    request.prompt = prompt;
    request.owner = QStringLiteral("gui");
    request.priority = pipeline::JobPriority::Interactive;
    const QString negative = promptEditor_->negativePrompt().trimmed();
    if (!negative.isEmpty()) request.negativePrompt = negative;
    programPanel_->applyOverrides(&request);
    if (isImageToImage(p)) {
        if (initPanel_->image().isNull()) {
            showError(errorHtml({pipeline::ErrorCode::InvalidRequest,
                                 tr("%1 is an image-to-image program: choose or drop an init "
                                    "image first.")
                                     .arg(p->id)}));
            return false;
        }
        request.initImage = initPanel_->image();
    }
    clearError();
    promptEditor_->remember(prompt);
    savedThisJob_.clear();
    currentJob_ = backend_->submit(request);
    setBusy(true);
    preview_->startJob();
    setStatus(tr("Queued %1.").arg(p->id));
    return true;
}

void MainWindow::cancel() {
    if (!currentJob_) return;
    backend_->cancel(currentJob_);
    setStatus(tr("Cancelling…"));
}

void MainWindow::setBusy(bool busy) {
    generateAction_->setEnabled(!busy);
    cancelAction_->setEnabled(busy);
    progressBar_->setVisible(busy);
    if (busy) {
        progressBar_->setRange(0, 0);  // busy until the first stage or step says how far
        progressBar_->setValue(0);
    }
}

void MainWindow::onStarted(pipeline::JobId job) {
    if (job != currentJob_) return;
    setStatus(tr("Started."));
}

void MainWindow::onStage(pipeline::JobId job, const QString& stage, int index, int count) {
    if (job != currentJob_) return;
    const QString text = count > 0 ? tr("Loading %1 (%2 of %3)").arg(stage).arg(index).arg(count)
                                   : tr("%1…").arg(stage);
    progressBar_->setRange(0, qMax(count, 0));
    progressBar_->setValue(qMax(index, 0));
    progressBar_->setFormat(QStringLiteral("%v / %m"));
    setStatus(text);
    preview_->showStage(text);
}

void MainWindow::onProgress(pipeline::JobId job, int step, int total, const QImage& preview) {
    if (job != currentJob_) return;
    progressBar_->setRange(0, total);
    progressBar_->setValue(step);
    progressBar_->setFormat(tr("step %v / %m"));
    preview_->showStep(step, total, preview);
    setStatus(preview_->statusText());
}

void MainWindow::onFinished(pipeline::JobId job, const pipeline::JobResult& result) {
    if (job != currentJob_) return;
    currentJob_ = 0;
    setBusy(false);
    if (result.images.isEmpty()) {
        showError(errorHtml({pipeline::ErrorCode::Internal, tr("The job returned no image.")}));
        return;
    }
    const pipeline::ImageMetadata md =
        result.metadata.isEmpty() ? pipeline::ImageMetadata{} : result.metadata.first();
    QString caption = tr("%1 · seed %2 · %3×%4 · %5 s")
                          .arg(md.programId)
                          .arg(md.seed)
                          .arg(result.images.first().width())
                          .arg(result.images.first().height())
                          .arg(md.totalSeconds, 0, 'f', 1);
    if (!result.warnings.isEmpty())
        caption += QStringLiteral(" · ") + result.warnings.join(QStringLiteral("; "));
    preview_->showFinal(result.images.first(), caption);
    imagesToSave_ = int(result.images.size());
    saver_->save(settings_.outputFolder, result.images, result.metadata);
    setStatus(tr("Done; saving…"));
    if (memory_->isVisible()) memory_->refresh();
}

void MainWindow::onFailed(pipeline::JobId job, const pipeline::Error& error) {
    if (job != currentJob_) return;
    currentJob_ = 0;
    setBusy(false);
    preview_->showMessage(errorHeadline(error.code));
    showError(errorHtml(error));
    setStatus(errorLine(error));
}

void MainWindow::onCancelled(pipeline::JobId job) {
    if (job != currentJob_) return;
    currentJob_ = 0;
    setBusy(false);
    preview_->showMessage(tr("Cancelled."));
    setStatus(tr("Cancelled."));
}

void MainWindow::showError(const QString& html) {
    errorBanner_->setText(html);
    errorBanner_->parentWidget()->show();
}

void MainWindow::clearError() {
    errorBanner_->clear();
    errorBanner_->parentWidget()->hide();
}

QString MainWindow::errorText() const {
    return errorBanner_->parentWidget()->isHidden() ? QString() : errorBanner_->text();
}

void MainWindow::setStatus(const QString& text) {
    statusLabel_->setText(text);
}

QString MainWindow::statusText() const {
    return statusLabel_->text();
}

void MainWindow::applySettings(const StudioSettings& next) {
    const StudioSettings before = settings_;
    settings_ = next;
    backend_->setServiceSettings(settings_.service);
    pipeline::FactorySettings wanted = settings_.factory;
    const pipeline::FactorySettings current = backend_->factorySettings();
    wanted.memoryBudgetBytes = current.memoryBudgetBytes;  // not set in this dialog
    settings_.factory = wanted;
    settings_.save();
    // Only a real change reaches the factory: it unloads every cached model.
    if (wanted.device != current.device || wanted.dtype != current.dtype ||
        wanted.loadT5 != current.loadT5 ||
        wanted.releaseTextEncoders != current.releaseTextEncoders ||
        wanted.locations.explicitPaths != current.locations.explicitPaths ||
        wanted.locations.modelRoots != current.locations.modelRoots ||
        wanted.locations.huggingFaceHub != current.locations.huggingFaceHub)
        backend_->setFactorySettings(wanted);
    resolveModels();
    if (before.outputFolder != settings_.outputFolder) gallery_->setFolder(settings_.outputFolder);
    QString status = tr("Settings saved.") + QLatin1Char(' ') + modelStatusText();
    if (before.language != settings_.language)
        status += QLatin1Char(' ') + tr("The language changes at the next start.");
    setStatus(status);
}

void MainWindow::openSettings() {
    QStringList ids;
    for (const auto& m : models_) ids << m.modelId;
    SettingsDialog dialog(settings_, ids, this);
    if (dialog.exec() == QDialog::Accepted) applySettings(dialog.settings());
}

void MainWindow::reuse(const pipeline::ImageMetadata& md) {
    if (!programPanel_->selectProgram(md.programId)) {
        showError(
            errorHtml({pipeline::ErrorCode::InvalidRequest,
                       tr("Program %1 of this image is not defined any more.").arg(md.programId)}));
        return;
    }
    promptEditor_->setPrompt(md.promptTyped);
    const pipeline::Program* p = programPanel_->currentProgram();
    promptEditor_->setNegativePrompt(
        p && md.negativePrompt == p->negativePrompt ? QString() : md.negativePrompt);
    std::optional<QSize> size;
    if (md.width > 0 && md.height > 0) size = QSize(md.width, md.height);
    programPanel_->setOverrides(md.seed, md.steps > 0 ? std::optional<int>(md.steps) : std::nullopt,
                                md.guidance, size);
    setStatus(tr("Settings of %1 seed %2 loaded: Ctrl+Enter generates it again.")
                  .arg(md.programId)
                  .arg(md.seed));
    promptEditor_->promptEdit()->setFocus();
}

}  // namespace archival::ui
