<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>ErrorText</name>
    <message>
        <location filename="../ui/error_text.cpp" line="11"/>
        <source>The request cannot be run</source>
        <translation>The request cannot be run</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="13"/>
        <source>The model could not be loaded</source>
        <translation>The model could not be loaded</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="15"/>
        <source>A file the program needs is missing</source>
        <translation>A file the program needs is missing</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="17"/>
        <source>Not enough memory</source>
        <translation>Not enough memory</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="19"/>
        <source>Cancelled</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="21"/>
        <source>A file could not be read or written</source>
        <translation>A file could not be read or written</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="25"/>
        <source>Internal error (please report it)</source>
        <translation>Internal error (please report it)</translation>
    </message>
</context>
<context>
    <name>archival::ui::BatchPanel</name>
    <message>
        <location filename="../ui/batch_panel.cpp" line="40"/>
        <source>Action / set</source>
        <translation>Action / set</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="40"/>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="40"/>
        <source>Upload</source>
        <translation>Upload</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="40"/>
        <source>Message</source>
        <translation>Message</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="45"/>
        <source>Retry</source>
        <translation>Retry</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="47"/>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="50"/>
        <source>Send the failed sets of the selected action (or the selected set) back to work</source>
        <translation>Send the failed sets of the selected action (or the selected set) back to work</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="52"/>
        <source>Stop the selected action&apos;s (or set&apos;s) sets that are not uploaded</source>
        <translation>Stop the selected action&apos;s (or set&apos;s) sets that are not uploaded</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="58"/>
        <source>Cloudflare R2</source>
        <translation>Cloudflare R2</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="64"/>
        <source>optional: any S3-compatible URL instead of R2</source>
        <translation>optional: any S3-compatible URL instead of R2</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="74"/>
        <source>kept in the system keychain</source>
        <translation>kept in the system keychain</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="75"/>
        <source>Account id</source>
        <translation>Account id</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="76"/>
        <source>Endpoint</source>
        <translation>Endpoint</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="77"/>
        <source>Bucket</source>
        <translation>Bucket</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="78"/>
        <source>Prefix</source>
        <translation>Prefix</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="79"/>
        <source>Access key id</source>
        <translation>Access key id</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="80"/>
        <source>Secret access key</source>
        <translation>Secret access key</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="97"/>
        <source>Test connection</source>
        <translation>Test connection</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="99"/>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="111"/>
        <source>Broker (every machine&apos;s sets)</source>
        <translation>Broker (every machine&apos;s sets)</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="213"/>
        <source>stopped</source>
        <translation>stopped</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="214"/>
        <source>%1/%2 uploaded</source>
        <translation>%1/%2 uploaded</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/batch_panel.cpp" line="215"/>
        <source>%n failed</source>
        <translation>
            <numerusform>%n failed</numerusform>
            <numerusform>%n failed</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="305"/>
        <source>Missing: %1</source>
        <translation>Missing: %1</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="315"/>
        <source>Testing...</source>
        <translation>Testing...</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="320"/>
        <source>Connected: bucket %1 answers a signed request.</source>
        <translation>Connected: bucket %1 answers a signed request.</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="321"/>
        <source>Failed: %1</source>
        <translation>Failed: %1</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="333"/>
        <source>No secret: type it above (the keychain said: %1)</source>
        <translation>No secret: type it above (the keychain said: %1)</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="359"/>
        <source>Saved; the secret is in the system keychain.</source>
        <translation>Saved; the secret is in the system keychain.</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="361"/>
        <source>Settings saved, but the keychain refused the secret (%1). Set ARCHIVAL_R2_SECRET for command-line runs.</source>
        <translation>Settings saved, but the keychain refused the secret (%1). Set ARCHIVAL_R2_SECRET for command-line runs.</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="84"/>
        <source>seed: {prefix}/actions/{action}/sets/{set} (or studio, or your own)</source>
        <translation>seed: {prefix}/actions/{action}/sets/{set} (or studio, or your own)</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="86"/>
        <source>Where a set&apos;s objects go: seed (the exhibition&apos;s replay layout), studio ({prefix}/{action}/{program}/set_{set:03}) or a template of {prefix} {action} {program} {set} {set:03}.</source>
        <translation>Where a set&apos;s objects go: seed (the exhibition&apos;s replay layout), studio ({prefix}/{action}/{program}/set_{set:03}) or a template of {prefix} {action} {program} {set} {set:03}.</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="91"/>
        <source>https://&lt;bucket&gt;.r2.dev</source>
        <translation>https://&lt;bucket&gt;.r2.dev</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="92"/>
        <source>Upload every step&apos;s preview (&lt;step&gt;.jpg)</source>
        <translation>Upload every step&apos;s preview (&lt;step&gt;.jpg)</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="94"/>
        <source>Key template</source>
        <translation>Key template</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="95"/>
        <source>Public URL</source>
        <translation>Public URL</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="346"/>
        <source>Not saved: %1</source>
        <translation>Not saved: %1</translation>
    </message>
</context>
<context>
    <name>archival::ui::BrokerSetsView</name>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="28"/>
        <source>Action / set</source>
        <translation>Action / set</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="28"/>
        <source>Program</source>
        <translation>Program</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="28"/>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="28"/>
        <source>Worker</source>
        <translation>Worker</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="28"/>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="63"/>
        <source>The broker URL cannot be used: %1</source>
        <translation>The broker URL cannot be used: %1</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="72"/>
        <source>Connecting to %1 ...</source>
        <translation>Connecting to %1 ...</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="87"/>
        <source>Broker %1: %2</source>
        <translation>Broker %1: %2</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/broker_sets_view.cpp" line="116"/>
        <source>Broker %1: %n set(s), %2 failed</source>
        <translation>
            <numerusform>Broker %1: %n set, %2 failed</numerusform>
            <numerusform>Broker %1: %n sets, %2 failed</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>archival::ui::ErrorBanner</name>
    <message>
        <location filename="../ui/error_banner.cpp" line="17"/>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <location filename="../ui/error_banner.cpp" line="23"/>
        <source>Dismiss error</source>
        <translation>Dismiss error</translation>
    </message>
    <message>
        <location filename="../ui/error_banner.cpp" line="24"/>
        <source>Dismiss</source>
        <translation>Dismiss</translation>
    </message>
</context>
<context>
    <name>archival::ui::GalleryPanel</name>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="50"/>
        <source>Gallery folder</source>
        <translation>Gallery folder</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="58"/>
        <source>Gallery</source>
        <translation>Gallery</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="72"/>
        <source>Image metadata</source>
        <translation>Image metadata</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="79"/>
        <source>Use again</source>
        <translation>Use again</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="81"/>
        <source>Use these settings again</source>
        <translation>Use these settings again</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="82"/>
        <source>Program, prompt, seed, steps, guidance and size of this image.</source>
        <translation>Program, prompt, seed, steps, guidance and size of this image.</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="83"/>
        <source>Folder</source>
        <translation>Folder</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="85"/>
        <source>Open in the file manager</source>
        <translation>Open in the file manager</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="86"/>
        <source>Open the output folder in the file manager.</source>
        <translation>Open the output folder in the file manager.</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="87"/>
        <source>Copy</source>
        <translation>Copy</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="89"/>
        <source>Copy image</source>
        <translation>Copy image</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="90"/>
        <source>Copy the image to the clipboard.</source>
        <translation>Copy the image to the clipboard.</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/gallery_panel.cpp" line="126"/>
        <location filename="../ui/gallery_panel.cpp" line="165"/>
        <source>%n image(s) in %1</source>
        <translation>
            <numerusform>%n image in %1</numerusform>
            <numerusform>%n images in %1</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="190"/>
        <source>&lt;i&gt;Select an image to see how it was made.&lt;/i&gt;</source>
        <translation>&lt;i&gt;Select an image to see how it was made.&lt;/i&gt;</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="194"/>
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;No Archival Studio metadata in this file.</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;No Archival Studio metadata in this file.</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="204"/>
        <source>Program</source>
        <translation>Program</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="205"/>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="206"/>
        <source>Prompt as sent</source>
        <translation>Prompt as sent</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="207"/>
        <source>Negative prompt</source>
        <translation>Negative prompt</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="208"/>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="209"/>
        <source>Steps</source>
        <translation>Steps</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="210"/>
        <source>Guidance</source>
        <translation>Guidance</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="211"/>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="212"/>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="213"/>
        <source>Strength</source>
        <translation>Strength</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="214"/>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="221"/>
        <source>LoRAs</source>
        <translation>LoRAs</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="222"/>
        <source>Device</source>
        <translation>Device</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="223"/>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="223"/>
        <source>%1 s (denoise %2 s)</source>
        <translation>%1 s (denoise %2 s)</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="226"/>
        <source>Made</source>
        <translation>Made</translation>
    </message>
</context>
<context>
    <name>archival::ui::HostPanel</name>
    <message>
        <location filename="../ui/host_panel.cpp" line="27"/>
        <source>all jobs</source>
        <translation>all jobs</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="28"/>
        <source>its own jobs</source>
        <translation>its own jobs</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/host_panel.cpp" line="30"/>
        <source> (%n job(s) of its own)</source>
        <translation>
            <numerusform> (%n job of its own)</numerusform>
            <numerusform> (%n jobs of its own)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="40"/>
        <source>Serve exhibition screens</source>
        <translation>Serve exhibition screens</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="50"/>
        <source>Access token</source>
        <translation>Access token</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="51"/>
        <location filename="../ui/host_panel.cpp" line="88"/>
        <source>Show</source>
        <translation>Show</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="53"/>
        <source>Copy</source>
        <translation>Copy</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="54"/>
        <source>Regenerate</source>
        <translation>Regenerate</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="56"/>
        <source>Make a new token; screens already attached stay, new ones need the new token</source>
        <translation>Make a new token; screens already attached stay, new ones need the new token</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="66"/>
        <source>Screens connect to:</source>
        <translation>Screens connect to:</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="67"/>
        <source>Display page:</source>
        <translation>Display page:</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="68"/>
        <source>Access token:</source>
        <translation>Access token:</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="73"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="73"/>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="73"/>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="73"/>
        <source>Watching</source>
        <translation>Watching</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="73"/>
        <source>Previews dropped</source>
        <translation>Previews dropped</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="82"/>
        <source>Attached displays</source>
        <translation>Attached displays</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="88"/>
        <source>Hide</source>
        <translation>Hide</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="125"/>
        <location filename="../ui/host_panel.cpp" line="129"/>
        <source>off</source>
        <translation>off</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="131"/>
        <source>none: loopback screens only</source>
        <translation>none: loopback screens only</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="134"/>
        <source>Screens need the access token.</source>
        <translation>Screens need the access token.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="135"/>
        <source>Screens on this computer need no token.</source>
        <translation>Screens on this computer need no token.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="137"/>
        <source>Not serving.</source>
        <translation>Not serving.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="146"/>
        <source>%1 (legacy)</source>
        <translation>%1 (legacy)</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="151"/>
        <source>display</source>
        <translation>display</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="152"/>
        <source>controller</source>
        <translation>controller</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="155"/>
        <source>Disconnect</source>
        <translation>Disconnect</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="156"/>
        <source>Disconnect %1</source>
        <translation>Disconnect %1</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="166"/>
        <source>Access token copied.</source>
        <translation>Access token copied.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="174"/>
        <source>The keychain is unavailable (%1): the new token lasts until the studio closes.</source>
        <translation>The keychain is unavailable (%1): the new token lasts until the studio closes.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="178"/>
        <source>New token stored in the keychain.</source>
        <translation>New token stored in the keychain.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="183"/>
        <source>A new access token is in use.</source>
        <translation>A new access token is in use.</translation>
    </message>
</context>
<context>
    <name>archival::ui::ImageSaver</name>
    <message>
        <location filename="../ui/image_saver.cpp" line="44"/>
        <source>Cannot create the output folder %1</source>
        <translation>Cannot create the output folder %1</translation>
    </message>
</context>
<context>
    <name>archival::ui::InitImagePanel</name>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="22"/>
        <location filename="../ui/init_image_panel.cpp" line="28"/>
        <location filename="../ui/init_image_panel.cpp" line="92"/>
        <source>Init image</source>
        <translation>Init image</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="25"/>
        <source>Init image file</source>
        <translation>Init image file</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="29"/>
        <source>Drop an image here or choose one.</source>
        <translation>Drop an image here or choose one.</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="30"/>
        <source>Choose…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="32"/>
        <location filename="../ui/init_image_panel.cpp" line="97"/>
        <source>Choose init image</source>
        <translation>Choose init image</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="33"/>
        <source>Clear</source>
        <translation>Clear</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="35"/>
        <source>Clear init image</source>
        <translation>Clear init image</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="58"/>
        <source>Cannot read %1: %2</source>
        <translation>Cannot read %1: %2</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="64"/>
        <source>The program&apos;s source image: %1 (%2×%3)</source>
        <translation>The program&apos;s source image: %1 (%2×%3)</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="68"/>
        <source>Init image: %1 (%2×%3)</source>
        <translation>Init image: %1 (%2×%3)</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="98"/>
        <source>Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)</source>
        <translation>Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="119"/>
        <source>Init image: dropped (%1×%2)</source>
        <translation>Init image: dropped (%1×%2)</translation>
    </message>
</context>
<context>
    <name>archival::ui::JobController</name>
    <message>
        <location filename="../ui/job_controller.cpp" line="22"/>
        <source>Saved %1</source>
        <translation>Saved %1</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="44"/>
        <source>Queued %1.</source>
        <translation>Queued %1.</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="50"/>
        <source>Cancelling…</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="65"/>
        <source>Started.</source>
        <translation>Started.</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="70"/>
        <source>Loading %1 (%2 of %3)</source>
        <translation>Loading %1 (%2 of %3)</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="71"/>
        <source>%1…</source>
        <translation>%1…</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="83"/>
        <source>step %v / %m</source>
        <translation>step %v / %m</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="94"/>
        <source>The job returned no image.</source>
        <translation>The job returned no image.</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="99"/>
        <source>%1 · seed %2 · %3×%4 · %5 s</source>
        <translation>%1 · seed %2 · %3×%4 · %5 s</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="110"/>
        <source>Done; saving…</source>
        <translation>Done; saving…</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="127"/>
        <location filename="../ui/job_controller.cpp" line="128"/>
        <source>Cancelled.</source>
        <translation>Cancelled.</translation>
    </message>
</context>
<context>
    <name>archival::ui::MainWindow</name>
    <message>
        <location filename="../ui/main_window.cpp" line="43"/>
        <source>Archival Studio</source>
        <translation>Archival Studio</translation>
    </message>
    <message>
        <source>Error</source>
        <translation type="vanished">Error</translation>
    </message>
    <message>
        <source>Dismiss error</source>
        <translation type="vanished">Dismiss error</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation type="vanished">Dismiss</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="78"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="81"/>
        <source>Job progress</source>
        <translation>Job progress</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation type="vanished">Saved %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/main_window.cpp" line="110"/>
        <source>%1 %n problem(s) in the program files; see Program.</source>
        <translation>
            <numerusform>%1 %n problem in the program files; see Program.</numerusform>
            <numerusform>%1 %n problems in the program files; see Program.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="125"/>
        <source>&amp;Generate</source>
        <translation>&amp;Generate</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="128"/>
        <source>Generate (Ctrl+Enter)</source>
        <translation>Generate (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="129"/>
        <source>&amp;Cancel</source>
        <translation>&amp;Cancel</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="131"/>
        <source>Cancel (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="133"/>
        <source>Zoom to &amp;fit</source>
        <translation>Zoom to &amp;fit</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="138"/>
        <source>Zoom &amp;100%</source>
        <translation>Zoom &amp;100%</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="145"/>
        <source>&amp;Settings…</source>
        <translation>&amp;Settings…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="148"/>
        <source>C&amp;lear model cache</source>
        <translation>C&amp;lear model cache</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="150"/>
        <source>&amp;Reset layout</source>
        <translation>&amp;Reset layout</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="151"/>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="164"/>
        <source>Model cache cleared.</source>
        <translation>Model cache cleared.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="169"/>
        <source>Main</source>
        <translation>Main</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="171"/>
        <source>Main toolbar</source>
        <translation>Main toolbar</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="184"/>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="188"/>
        <source>&amp;Run</source>
        <translation>&amp;Run</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="198"/>
        <source>Program</source>
        <translation>Program</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="200"/>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="202"/>
        <source>Gallery</source>
        <translation>Gallery</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="203"/>
        <source>Memory</source>
        <translation>Memory</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="206"/>
        <source>&amp;View</source>
        <translation>&amp;View</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="250"/>
        <source>No programs, so no models to look for.</source>
        <translation>No programs, so no models to look for.</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/main_window.cpp" line="252"/>
        <source>All %n model(s) found.</source>
        <translation>
            <numerusform>The model was found.</numerusform>
            <numerusform>All %n models found.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="253"/>
        <source>%1 of %2 models found; see Program for where we looked.</source>
        <translation>%1 of %2 models found; see Program for where we looked.</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/main_window.cpp" line="260"/>
        <source>%n program(s) unavailable: a file they need is missing (see Program).</source>
        <translation>
            <numerusform>%n program unavailable: a file it needs is missing (see Program).</numerusform>
            <numerusform>%n programs unavailable: a file they need is missing (see Program).</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="272"/>
        <source>no program selected</source>
        <translation>no program selected</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="278"/>
        <source>the model&apos;s tokenizer was not found</source>
        <translation>the model&apos;s tokenizer was not found</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="292"/>
        <source>Already generating; Esc cancels.</source>
        <translation>Already generating; Esc cancels.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="297"/>
        <source>Choose a program first.</source>
        <translation>Choose a program first.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="303"/>
        <source>%1 cannot run: %2</source>
        <translation>%1 cannot run: %2</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="308"/>
        <source>Type a prompt first.</source>
        <translation>Type a prompt first.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="325"/>
        <source>%1 is an image-to-image program: choose or drop an init image first.</source>
        <translation>%1 is an image-to-image program: choose or drop an init image first.</translation>
    </message>
    <message>
        <source>Queued %1.</source>
        <translation type="vanished">Queued %1.</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="vanished">Cancelling…</translation>
    </message>
    <message>
        <source>Started.</source>
        <translation type="vanished">Started.</translation>
    </message>
    <message>
        <source>Loading %1 (%2 of %3)</source>
        <translation type="vanished">Loading %1 (%2 of %3)</translation>
    </message>
    <message>
        <source>%1…</source>
        <translation type="vanished">%1…</translation>
    </message>
    <message>
        <source>step %v / %m</source>
        <translation type="vanished">step %v / %m</translation>
    </message>
    <message>
        <source>The job returned no image.</source>
        <translation type="vanished">The job returned no image.</translation>
    </message>
    <message>
        <source>%1 · seed %2 · %3×%4 · %5 s</source>
        <translation type="vanished">%1 · seed %2 · %3×%4 · %5 s</translation>
    </message>
    <message>
        <source>Done; saving…</source>
        <translation type="vanished">Done; saving…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation type="vanished">Cancelled.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="390"/>
        <source>Settings saved.</source>
        <translation>Settings saved.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="392"/>
        <source>The language changes at the next start.</source>
        <translation>The language changes at the next start.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="408"/>
        <source>Program %1 of this image is not defined any more.</source>
        <translation>Program %1 of this image is not defined any more.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="419"/>
        <source>Settings of %1 seed %2 loaded: Ctrl+Enter generates it again.</source>
        <translation>Settings of %1 seed %2 loaded: Ctrl+Enter generates it again.</translation>
    </message>
</context>
<context>
    <name>archival::ui::MemoryPanel</name>
    <message>
        <location filename="../ui/memory_panel.cpp" line="25"/>
        <source>Memory use</source>
        <translation>Memory use</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="32"/>
        <source>Cached models</source>
        <translation>Cached models</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="34"/>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="34"/>
        <source>Memory</source>
        <translation>Memory</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="34"/>
        <source>Device</source>
        <translation>Device</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="34"/>
        <source>In use</source>
        <translation>In use</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="36"/>
        <source>Cached model columns</source>
        <translation>Cached model columns</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="41"/>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="43"/>
        <source>Refresh memory stats</source>
        <translation>Refresh memory stats</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="45"/>
        <location filename="../ui/memory_panel.cpp" line="47"/>
        <source>Clear cache</source>
        <translation>Clear cache</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="48"/>
        <source>Unload every model not used by a running job.</source>
        <translation>Unload every model not used by a running job.</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="68"/>
        <source>Process: %1 (peak %2)</source>
        <translation>Process: %1 (peak %2)</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="70"/>
        <source>CUDA: %1 allocated, %2 reserved, peak %3</source>
        <translation>CUDA: %1 allocated, %2 reserved, peak %3</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="74"/>
        <source>CUDA: not in use</source>
        <translation>CUDA: not in use</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="75"/>
        <source>Budget for models: %1</source>
        <translation>Budget for models: %1</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="76"/>
        <source>Budget for models: not set</source>
        <translation>Budget for models: not set</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/memory_panel.cpp" line="77"/>
        <source>%n model(s) cached</source>
        <translation>
            <numerusform>%n model cached</numerusform>
            <numerusform>%n models cached</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="87"/>
        <source>yes</source>
        <translation>yes</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="87"/>
        <source>no</source>
        <translation>no</translation>
    </message>
</context>
<context>
    <name>archival::ui::PreviewView</name>
    <message>
        <location filename="../ui/preview_view.cpp" line="12"/>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="21"/>
        <source>Generation progress</source>
        <translation>Generation progress</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="25"/>
        <source>Preview</source>
        <translation>Preview</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="27"/>
        <source>Type a prompt and press Ctrl+Enter.
Each step&apos;s preview appears here.</source>
        <translation>Type a prompt and press Ctrl+Enter.
Each step&apos;s preview appears here.</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="30"/>
        <source>Result</source>
        <translation>Result</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="38"/>
        <source>Starting…</source>
        <translation>Starting…</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="43"/>
        <source>%1 · %2 elapsed</source>
        <translation>%1 · %2 elapsed</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="51"/>
        <source>Step %1 of %2 · %3 elapsed</source>
        <translation>Step %1 of %2 · %3 elapsed</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="56"/>
        <source> · about %1 left</source>
        <translation> · about %1 left</translation>
    </message>
</context>
<context>
    <name>archival::ui::ProgramPanel</name>
    <message>
        <location filename="../ui/program_panel.cpp" line="38"/>
        <source>Programs</source>
        <translation>Programs</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="47"/>
        <source>Problems in the program files</source>
        <translation>Problems in the program files</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="63"/>
        <source>This run only</source>
        <translation>This run only</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="64"/>
        <source>Overrides for the next run; the program file is not changed.</source>
        <translation>Overrides for the next run; the program file is not changed.</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="75"/>
        <location filename="../ui/program_panel.cpp" line="279"/>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="79"/>
        <source>Seed value</source>
        <translation>Seed value</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="82"/>
        <source>e.g. 42</source>
        <translation>e.g. 42</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="85"/>
        <location filename="../ui/program_panel.cpp" line="266"/>
        <source>Steps</source>
        <translation>Steps</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="89"/>
        <source>Steps value</source>
        <translation>Steps value</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="93"/>
        <location filename="../ui/program_panel.cpp" line="267"/>
        <source>Guidance</source>
        <translation>Guidance</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="97"/>
        <source>Guidance value</source>
        <translation>Guidance value</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="103"/>
        <location filename="../ui/program_panel.cpp" line="268"/>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="110"/>
        <source>Width</source>
        <translation>Width</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="113"/>
        <source>Height</source>
        <translation>Height</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="123"/>
        <location filename="../ui/program_panel.cpp" line="125"/>
        <source>Use the program&apos;s values</source>
        <translation>Use the program&apos;s values</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="130"/>
        <location filename="../ui/program_panel.cpp" line="134"/>
        <source>Prompt as sent</source>
        <translation>Prompt as sent</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="140"/>
        <source>Program settings</source>
        <translation>Program settings</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="165"/>
        <source>%1 (unavailable)</source>
        <translation>%1 (unavailable)</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="174"/>
        <source>Problems in the program files (built-in programs stay in use):</source>
        <translation>Problems in the program files (built-in programs stay in use):</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="218"/>
        <source>(type a prompt)</source>
        <translation>(type a prompt)</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="259"/>
        <source>Program</source>
        <translation>Program</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="260"/>
        <source>Model</source>
        <translation>Model</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="262"/>
        <source>Model folder</source>
        <translation>Model folder</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="262"/>
        <source>not resolved</source>
        <translation>not resolved</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="263"/>
        <source>Kind</source>
        <translation>Kind</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="264"/>
        <source>image-to-image (strength %1)</source>
        <translation>image-to-image (strength %1)</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="265"/>
        <source>text-to-image</source>
        <translation>text-to-image</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="269"/>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="270"/>
        <source>Template</source>
        <translation>Template</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="271"/>
        <source>Negative prompt</source>
        <translation>Negative prompt</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="271"/>
        <location filename="../ui/program_panel.cpp" line="275"/>
        <source>(none)</source>
        <translation>(none)</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="275"/>
        <source>LoRAs</source>
        <translation>LoRAs</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="277"/>
        <source>Source image</source>
        <translation>Source image</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="278"/>
        <source>Unavailable</source>
        <translation>Unavailable</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="279"/>
        <source>fixed: %1</source>
        <translation>fixed: %1</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="280"/>
        <source>random per run</source>
        <translation>random per run</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="281"/>
        <source>Defined in</source>
        <translation>Defined in</translation>
    </message>
</context>
<context>
    <name>archival::ui::PromptEditor</name>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="20"/>
        <source>&amp;Prompt</source>
        <translation>&amp;Prompt</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="23"/>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="24"/>
        <source>What should the image show? Ctrl+Enter generates.</source>
        <translation>What should the image show? Ctrl+Enter generates.</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="28"/>
        <source>&amp;Negative</source>
        <translation>&amp;Negative</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="31"/>
        <source>Negative prompt</source>
        <translation>Negative prompt</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="37"/>
        <source>Token count</source>
        <translation>Token count</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="40"/>
        <source>&amp;History</source>
        <translation>&amp;History</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="43"/>
        <source>Search prompt history</source>
        <translation>Search prompt history</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="44"/>
        <source>Search earlier prompts</source>
        <translation>Search earlier prompts</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="49"/>
        <source>Prompt history</source>
        <translation>Prompt history</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="50"/>
        <source>Enter or double-click puts the prompt back in the editor.</source>
        <translation>Enter or double-click puts the prompt back in the editor.</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="102"/>
        <source>What the image should not show (optional)</source>
        <translation>What the image should not show (optional)</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="103"/>
        <source>Program default: %1</source>
        <translation>Program default: %1</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="144"/>
        <source>Token count unavailable.</source>
        <translation>Token count unavailable.</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="145"/>
        <source>Token count unavailable: %1</source>
        <translation>Token count unavailable: %1</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="156"/>
        <source>%1 / %2 tokens (prompt as sent)</source>
        <translation>%1 / %2 tokens (prompt as sent)</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="164"/>
        <source>%1 / %2 tokens: the end of the program&apos;s template is cut off.</source>
        <translation>%1 / %2 tokens: the end of the program&apos;s template is cut off.</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="170"/>
        <source>%1 / %2 tokens: the model does not see the marked end of the prompt.</source>
        <translation>%1 / %2 tokens: the model does not see the marked end of the prompt.</translation>
    </message>
</context>
<context>
    <name>archival::ui::SettingsDialog</name>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="31"/>
        <source>Browse…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="32"/>
        <source>Browse for %1</source>
        <translation>Browse for %1</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="61"/>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="66"/>
        <source>Settings sections</source>
        <translation>Settings sections</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="67"/>
        <source>Models</source>
        <translation>Models</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="68"/>
        <location filename="../ui/settings_dialog.cpp" line="155"/>
        <source>Device</source>
        <translation>Device</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="69"/>
        <source>Output &amp;&amp; language</source>
        <translation>Output &amp;&amp; language</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="70"/>
        <source>R2 &amp;&amp; host</source>
        <translation>R2 &amp;&amp; host</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="74"/>
        <source>Save settings</source>
        <translation>Save settings</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="75"/>
        <source>Discard changes</source>
        <translation>Discard changes</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="85"/>
        <source>A model is looked for in this order: its explicit folder, the Hugging Face cache, then each model root (ROOT/ORG/NAME).</source>
        <translation>A model is looked for in this order: its explicit folder, the Hugging Face cache, then each model root (ROOT/ORG/NAME).</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="93"/>
        <source>Explicit model folders</source>
        <translation>Explicit model folders</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="94"/>
        <source>Model id</source>
        <translation>Model id</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="94"/>
        <source>Folder or .safetensors file</source>
        <translation>Folder or .safetensors file</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="113"/>
        <source>Explicit folders</source>
        <translation>Explicit folders</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="117"/>
        <source>Hugging Face cache</source>
        <translation>Hugging Face cache</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="120"/>
        <source>Models in the Hugging Face cache</source>
        <translation>Models in the Hugging Face cache</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="123"/>
        <source>It holds</source>
        <translation>It holds</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="130"/>
        <source>Model root folders, one per line</source>
        <translation>Model root folders, one per line</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="133"/>
        <source>Model roots (one per line)</source>
        <translation>Model roots (one per line)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="140"/>
        <source>(the folder does not exist)</source>
        <translation>(the folder does not exist)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="142"/>
        <source>(no models)</source>
        <translation>(no models)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="150"/>
        <source>Automatic (CUDA when present)</source>
        <translation>Automatic (CUDA when present)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="151"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="152"/>
        <source>CUDA device 0</source>
        <translation>CUDA device 0</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="156"/>
        <source>&amp;Device</source>
        <translation>&amp;Device</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="159"/>
        <source>Automatic (bf16/fp16 on CUDA; on the CPU bf16 where it has bf16 units, else fp32)</source>
        <translation>Automatic (bf16/fp16 on CUDA; on the CPU bf16 where it has bf16 units, else fp32)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="160"/>
        <source>float32</source>
        <translation>float32</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="161"/>
        <source>float16</source>
        <translation>float16</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="162"/>
        <source>bfloat16</source>
        <translation>bfloat16</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="165"/>
        <source>Precision</source>
        <translation>Precision</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="166"/>
        <source>&amp;Precision</source>
        <translation>&amp;Precision</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="168"/>
        <source>Load the T5 text encoder (SD 3.5; better prompts, more memory)</source>
        <translation>Load the T5 text encoder (SD 3.5; better prompts, more memory)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="173"/>
        <source>Free the text encoders between jobs (SD 3.5; saves memory)</source>
        <translation>Free the text encoders between jobs (SD 3.5; saves memory)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="178"/>
        <source>Changing the device, precision or model folders unloads the cached models.</source>
        <translation>Changing the device, precision or model folders unloads the cached models.</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="189"/>
        <source>Output folder</source>
        <translation>Output folder</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="190"/>
        <source>Show a preview of each step</source>
        <translation>Show a preview of each step</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="196"/>
        <location filename="../ui/settings_dialog.cpp" line="202"/>
        <source>Least time between previews</source>
        <translation>Least time between previews</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="199"/>
        <source> ms</source>
        <translation> ms</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="200"/>
        <source>every step</source>
        <translation>every step</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="203"/>
        <source>System language</source>
        <translation>System language</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="208"/>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="209"/>
        <source>&amp;Language (after a restart)</source>
        <translation>&amp;Language (after a restart)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="216"/>
        <source>Cloudflare R2 (batch uploads)</source>
        <translation>Cloudflare R2 (batch uploads)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="218"/>
        <source>The R2 destination (account, bucket, prefix, access key) and its secret are set in the Batch panel, where Test connection tries them. The secret is kept in the system keychain.</source>
        <translation>The R2 destination (account, bucket, prefix, access key) and its secret are set in the Batch panel, where Test connection tries them. The secret is kept in the system keychain.</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="246"/>
        <source>Batch broker (several machines)</source>
        <translation>Batch broker (several machines)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="250"/>
        <location filename="../ui/settings_dialog.cpp" line="252"/>
        <source>Broker URL</source>
        <translation>Broker URL</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="251"/>
        <source>redis://HOST:6379/0 (empty: none)</source>
        <translation>redis://HOST:6379/0 (empty: none)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="253"/>
        <source>The Batch panel then shows every set on the broker, with its worker. The password is read from the system keychain or ARCHIVAL_BROKER_PASSWORD, never stored here.</source>
        <translation>The Batch panel then shows every set on the broker, with its worker. The password is read from the system keychain or ARCHIVAL_BROKER_PASSWORD, never stored here.</translation>
    </message>
    <message>
        <source>R2 account id</source>
        <translation type="vanished">R2 account id</translation>
    </message>
    <message>
        <source>Account id</source>
        <translation type="vanished">Account id</translation>
    </message>
    <message>
        <source>R2 bucket</source>
        <translation type="vanished">R2 bucket</translation>
    </message>
    <message>
        <source>Bucket</source>
        <translation type="vanished">Bucket</translation>
    </message>
    <message>
        <source>R2 key prefix</source>
        <translation type="vanished">R2 key prefix</translation>
    </message>
    <message>
        <source>Key prefix</source>
        <translation type="vanished">Key prefix</translation>
    </message>
    <message>
        <source>Access keys are kept in the system keychain: enter them in the Batch panel.</source>
        <translation type="vanished">Access keys are kept in the system keychain: enter them in the Batch panel.</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="227"/>
        <source>WebSocket host (exhibition screens)</source>
        <translation>WebSocket host (exhibition screens)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="231"/>
        <source>Host address</source>
        <translation>Host address</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="232"/>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="235"/>
        <source>Host port</source>
        <translation>Host port</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="238"/>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="239"/>
        <source>The access token is kept in the system keychain: set it in the Host panel.</source>
        <translation>The access token is kept in the system keychain: set it in the Host panel.</translation>
    </message>
</context>
<context>
    <name>archival::ui::StudioPanels</name>
    <message>
        <location filename="../ui/studio_panels.cpp" line="24"/>
        <source>Batch</source>
        <translation>Batch</translation>
    </message>
    <message>
        <location filename="../ui/studio_panels.cpp" line="35"/>
        <source>Exhibition host</source>
        <translation>Exhibition host</translation>
    </message>
    <message>
        <location filename="../ui/studio_panels.cpp" line="72"/>
        <source>The exhibition host will listen on %1 when switched on.</source>
        <translation>The exhibition host will listen on %1 when switched on.</translation>
    </message>
    <message>
        <location filename="../ui/studio_panels.cpp" line="78"/>
        <source>The exhibition host now listens on %1.</source>
        <translation>The exhibition host now listens on %1.</translation>
    </message>
    <message>
        <location filename="../ui/studio_panels.cpp" line="81"/>
        <source>The exhibition host cannot listen on %1: %2</source>
        <translation>The exhibition host cannot listen on %1: %2</translation>
    </message>
    <message>
        <location filename="../ui/studio_panels.cpp" line="27"/>
        <location filename="../ui/studio_panels.cpp" line="60"/>
        <source>Batch uploads wait for the R2 key: %1</source>
        <translation>Batch uploads wait for the R2 key: %1</translation>
    </message>
</context>
</TS>
