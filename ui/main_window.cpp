#include "ui/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QCloseEvent>
#include <QDockWidget>
#include <QLabel>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSet>
#include <QSplitter>
#include <QStatusBar>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include "pipeline/prompt_tokens.h"
#include "ui/dock_layout.h"
#include "ui/error_banner.h"
#include "ui/error_text.h"
#include "ui/gallery_panel.h"
#include "ui/generation_core.h"
#include "ui/image_canvas.h"
#include "ui/init_image_panel.h"
#include "ui/job_controller.h"
#include "ui/memory_panel.h"
#include "ui/preview_view.h"
#include "ui/program_panel.h"
#include "ui/prompt_editor.h"
#include "ui/settings_dialog.h"

namespace archival::ui {

namespace {
bool isImageToImage(const pipeline::Program* p) {
    return p && p->kind == QLatin1String("image-to-image");
}
}  // namespace

MainWindow::MainWindow(GenerationCore* core, QWidget* parent)
    : QMainWindow(parent), core_(core), settings_(StudioSettings::load()) {
    setWindowTitle(tr("Archival Studio"));
    setObjectName(QStringLiteral("MainWindow"));
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);

    // Centre: an error banner over the init image (image-to-image) and the live preview.
    auto* centre = new QWidget(this);
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->setSpacing(0);
    errorBanner_ = new ErrorBanner(centre);
    centreLayout->addWidget(errorBanner_);

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
    memory_ = new MemoryPanel(core_, this);
    memory_->setObjectName(QStringLiteral("memoryPanel"));

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
    jobs_ = new JobController(
        core_, {preview_, progressBar_, gallery_, memory_, generateAction_, cancelAction_}, this);
    connect(jobs_, &JobController::statusChanged, this, &MainWindow::setStatus);
    connect(jobs_, &JobController::errorRaised, this, &MainWindow::showError);
    connect(jobs_, &JobController::imagesSaved, this, &MainWindow::imagesSaved);
    buildDocks();

    connect(promptEditor_, &PromptEditor::promptChanged, programPanel_,
            &ProgramPanel::setTypedPrompt);
    connect(programPanel_, &ProgramPanel::programChanged, this, &MainWindow::programSelected);
    connect(gallery_, &GalleryPanel::reuseRequested, this, &MainWindow::reuse);

    // The core was built from the same QSettings; the memory budget stays the core's.
    core_->setServiceSettings(settings_.service);
    resolveModels();
    gallery_->setFolder(settings_.outputFolder);
    jobs_->setOutputFolder(settings_.outputFolder);
    layout_->restore();

    const auto issues = core_->registry().issues();
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
        core_->clearCache();
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
    layout_ = new DockLayout(this);
    QDockWidget* program =
        layout_->makeDock(programPanel_, tr("Program"), QStringLiteral("programDock"));
    QDockWidget* prompt =
        layout_->makeDock(promptEditor_, tr("Prompt"), QStringLiteral("promptDock"));
    QDockWidget* gallery =
        layout_->makeDock(gallery_, tr("Gallery"), QStringLiteral("galleryDock"));
    QDockWidget* memory = layout_->makeDock(memory_, tr("Memory"), QStringLiteral("memoryDock"));
    layout_->setMainDocks(program, prompt, gallery, memory);

    viewMenu_ = menuBar()->addMenu(tr("&View"));
    viewMenu_->addAction(zoomFitAction_);
    viewMenu_->addAction(zoomActualAction_);
    viewMenu_->addSeparator();
    for (QDockWidget* d : layout_->docks()) viewMenu_->addAction(d->toggleViewAction());
    viewMenu_->addSeparator();
    viewMenu_->addAction(resetLayoutAction_);
    layout_->reset();
}

QDockWidget* MainWindow::addPanelDock(QWidget* panel, const QString& title,
                                      const QString& objectName) {
    QDockWidget* d = layout_->addPanelDock(panel, title, objectName);
    viewMenu_->insertAction(resetLayoutAction_, d->toggleViewAction());
    return d;
}

void MainWindow::resetLayout() {
    layout_->reset();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    layout_->save();
    jobs_->cancel();
    QMainWindow::closeEvent(event);
}

void MainWindow::resolveModels() {
    const auto registry = core_->registry();
    models_.clear();
    QSet<QString> seen;
    for (const auto& p : registry.programs()) {
        if (seen.contains(p.model)) continue;
        seen.insert(p.model);
        models_.append(core_->resolve(p));
    }
    counters_.clear();
    programPanel_->setRegistry(registry, models_);
    programSelected(programPanel_->currentProgramId());
}

QString MainWindow::modelStatusText() const {
    int found = 0;
    for (const auto& m : models_) found += m.usable() ? 1 : 0;
    if (models_.isEmpty()) return tr("No programs, so no models to look for.");
    QString text = found == models_.size()
                       ? tr("All %n model(s) found.", nullptr, found)
                       : tr("%1 of %2 models found; see Program for where we looked.")
                             .arg(found)
                             .arg(models_.size());
    int unavailable = 0;
    for (const auto& p : programPanel_->registry().programs()) unavailable += p.available() ? 0 : 1;
    if (unavailable > 0)
        text += QLatin1Char(' ') +
                tr("%n program(s) unavailable: a file they need is missing (see Program).", nullptr,
                   unavailable);
    return text;
}

void MainWindow::programSelected(const QString&) {
    const pipeline::Program* p = programPanel_->currentProgram();
    const bool img2img = isImageToImage(p);
    initPanel_->setVisible(img2img);
    initPanel_->setProgramImage(img2img && p ? p->initImage : QString());
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
    if (jobs_->isBusy()) {
        setStatus(tr("Already generating; Esc cancels."));
        return false;
    }
    const pipeline::Program* p = programPanel_->currentProgram();
    if (!p) {
        showError(errorHtml({pipeline::ErrorCode::InvalidRequest, tr("Choose a program first.")}));
        return false;
    }
    if (!p->available()) {
        showError(errorHtml(
            {pipeline::ErrorCode::MissingAsset,
             tr("%1 cannot run: %2").arg(p->id, p->assetProblems.join(QStringLiteral("; ")))}));
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
    // The program's own source image is not sent: the service loads it and the image's
    // metadata names it. An image the curator chose instead is sent.
    if (isImageToImage(p) && !initPanel_->showsProgramImage()) {
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
    jobs_->submit(request);
    return true;
}

bool MainWindow::isBusy() const {
    return jobs_->isBusy();
}

pipeline::JobId MainWindow::currentJob() const {
    return jobs_->currentJob();
}

void MainWindow::cancel() {
    jobs_->cancel();
}

void MainWindow::showError(const QString& html) {
    errorBanner_->showError(html);
}

void MainWindow::clearError() {
    errorBanner_->clear();
}

QString MainWindow::errorText() const {
    return errorBanner_->text();
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
    core_->setServiceSettings(settings_.service);
    pipeline::FactorySettings wanted = settings_.factory;
    const pipeline::FactorySettings current = core_->factorySettings();
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
        core_->setFactorySettings(wanted);
    resolveModels();
    if (before.outputFolder != settings_.outputFolder) gallery_->setFolder(settings_.outputFolder);
    jobs_->setOutputFolder(settings_.outputFolder);
    QString status = tr("Settings saved.") + QLatin1Char(' ') + modelStatusText();
    if (before.language != settings_.language)
        status += QLatin1Char(' ') + tr("The language changes at the next start.");
    setStatus(status);
    Q_EMIT settingsApplied(settings_);
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
