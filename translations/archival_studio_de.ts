<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ErrorText</name>
    <message>
        <location filename="../ui/error_text.cpp" line="11"/>
        <source>The request cannot be run</source>
        <translation>Der Auftrag lässt sich so nicht ausführen</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="13"/>
        <source>The model could not be loaded</source>
        <translation>Das Modell konnte nicht geladen werden</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="15"/>
        <source>A file the program needs is missing</source>
        <translation>Eine Datei, die das Programm braucht, fehlt</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="17"/>
        <source>Not enough memory</source>
        <translation>Nicht genug Speicher</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="19"/>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="21"/>
        <source>A file could not be read or written</source>
        <translation>Eine Datei konnte nicht gelesen oder geschrieben werden</translation>
    </message>
    <message>
        <location filename="../ui/error_text.cpp" line="25"/>
        <source>Internal error (please report it)</source>
        <translation>Interner Fehler (bitte melden)</translation>
    </message>
</context>
<context>
    <name>archival::ui::BatchPanel</name>
    <message>
        <location filename="../ui/batch_panel.cpp" line="40"/>
        <source>Action / set</source>
        <translation>Aktion / Satz</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="40"/>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="40"/>
        <source>Upload</source>
        <translation>Upload</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="40"/>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="45"/>
        <source>Retry</source>
        <translation>Wiederholen</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="47"/>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="50"/>
        <source>Send the failed sets of the selected action (or the selected set) back to work</source>
        <translation>Die fehlgeschlagenen Sätze der gewählten Aktion (oder den gewählten Satz) erneut bearbeiten</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="52"/>
        <source>Stop the selected action&apos;s (or set&apos;s) sets that are not uploaded</source>
        <translation>Die noch nicht hochgeladenen Sätze der gewählten Aktion (oder des gewählten Satzes) anhalten</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="58"/>
        <source>Cloudflare R2</source>
        <translation>Cloudflare R2</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="64"/>
        <source>optional: any S3-compatible URL instead of R2</source>
        <translation>optional: eine beliebige S3-kompatible URL statt R2</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="74"/>
        <source>kept in the system keychain</source>
        <translation>im Schlüsselbund des Systems abgelegt</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="75"/>
        <source>Account id</source>
        <translation>Konto-ID</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="76"/>
        <source>Endpoint</source>
        <translation>Endpunkt</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="77"/>
        <source>Bucket</source>
        <translation>Bucket</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="78"/>
        <source>Prefix</source>
        <translation>Präfix</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="79"/>
        <source>Access key id</source>
        <translation>Zugangsschlüssel-ID</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="80"/>
        <source>Secret access key</source>
        <translation>Geheimer Zugangsschlüssel</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="97"/>
        <source>Test connection</source>
        <translation>Verbindung testen</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="99"/>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="111"/>
        <source>Broker (every machine&apos;s sets)</source>
        <translation>Broker (die Sätze aller Rechner)</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="213"/>
        <source>stopped</source>
        <translation>angehalten</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="214"/>
        <source>%1/%2 uploaded</source>
        <translation>%1/%2 hochgeladen</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/batch_panel.cpp" line="215"/>
        <source>%n failed</source>
        <translation>
            <numerusform>%n fehlgeschlagen</numerusform>
            <numerusform>%n fehlgeschlagen</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="305"/>
        <source>Missing: %1</source>
        <translation>Es fehlt: %1</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="315"/>
        <source>Testing...</source>
        <translation>Wird getestet...</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="320"/>
        <source>Connected: bucket %1 answers a signed request.</source>
        <translation>Verbunden: Bucket %1 beantwortet eine signierte Anfrage.</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="321"/>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="333"/>
        <source>No secret: type it above (the keychain said: %1)</source>
        <translation>Kein Geheimnis: Geben Sie es oben ein (der Schlüsselbund meldete: %1)</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="359"/>
        <source>Saved; the secret is in the system keychain.</source>
        <translation>Gespeichert; das Geheimnis liegt im Schlüsselbund des Systems.</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="361"/>
        <source>Settings saved, but the keychain refused the secret (%1). Set ARCHIVAL_R2_SECRET for command-line runs.</source>
        <translation>Einstellungen gespeichert, aber der Schlüsselbund hat das Geheimnis abgelehnt (%1). Setzen Sie ARCHIVAL_R2_SECRET für Läufe auf der Kommandozeile.</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="84"/>
        <source>seed: {prefix}/actions/{action}/sets/{set} (or studio, or your own)</source>
        <translation>seed: {prefix}/actions/{action}/sets/{set} (oder studio, oder eine eigene)</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="86"/>
        <source>Where a set&apos;s objects go: seed (the exhibition&apos;s replay layout), studio ({prefix}/{action}/{program}/set_{set:03}) or a template of {prefix} {action} {program} {set} {set:03}.</source>
        <translation>Wohin die Objekte eines Satzes gehen: seed (das Replay-Layout der Ausstellung), studio ({prefix}/{action}/{program}/set_{set:03}) oder eine Vorlage aus {prefix} {action} {program} {set} {set:03}.</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="91"/>
        <source>https://&lt;bucket&gt;.r2.dev</source>
        <translation>https://&lt;bucket&gt;.r2.dev</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="92"/>
        <source>Upload every step&apos;s preview (&lt;step&gt;.jpg)</source>
        <translation>Die Vorschau jedes Schritts hochladen (&lt;step&gt;.jpg)</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="94"/>
        <source>Key template</source>
        <translation>Schlüsselvorlage</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="95"/>
        <source>Public URL</source>
        <translation>Öffentliche URL</translation>
    </message>
    <message>
        <location filename="../ui/batch_panel.cpp" line="346"/>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
</context>
<context>
    <name>archival::ui::BrokerSetsView</name>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="28"/>
        <source>Action / set</source>
        <translation>Aktion / Satz</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="28"/>
        <source>Program</source>
        <translation>Programm</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="28"/>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="28"/>
        <source>Worker</source>
        <translation>Worker</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="28"/>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="63"/>
        <source>The broker URL cannot be used: %1</source>
        <translation>Die Broker-URL ist nicht verwendbar: %1</translation>
    </message>
    <message>
        <location filename="../ui/broker_sets_view.cpp" line="72"/>
        <source>Connecting to %1 ...</source>
        <translation>Verbinde mit %1 ...</translation>
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
            <numerusform>Broker %1: %n Satz, %2 fehlgeschlagen</numerusform>
            <numerusform>Broker %1: %n Sätze, %2 fehlgeschlagen</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>archival::ui::ErrorBanner</name>
    <message>
        <location filename="../ui/error_banner.cpp" line="17"/>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <location filename="../ui/error_banner.cpp" line="23"/>
        <source>Dismiss error</source>
        <translation>Fehlermeldung schließen</translation>
    </message>
    <message>
        <location filename="../ui/error_banner.cpp" line="24"/>
        <source>Dismiss</source>
        <translation>Schließen</translation>
    </message>
</context>
<context>
    <name>archival::ui::GalleryPanel</name>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="50"/>
        <source>Gallery folder</source>
        <translation>Galerie-Ordner</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="58"/>
        <source>Gallery</source>
        <translation>Galerie</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="72"/>
        <source>Image metadata</source>
        <translation>Bild-Metadaten</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="79"/>
        <source>Use again</source>
        <translation>Wiederverwenden</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="81"/>
        <source>Use these settings again</source>
        <translation>Diese Einstellungen wiederverwenden</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="82"/>
        <source>Program, prompt, seed, steps, guidance and size of this image.</source>
        <translation>Programm, Prompt, Seed, Schritte, Guidance und Größe dieses Bildes.</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="83"/>
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="85"/>
        <source>Open in the file manager</source>
        <translation>Im Dateimanager öffnen</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="86"/>
        <source>Open the output folder in the file manager.</source>
        <translation>Den Ausgabeordner im Dateimanager öffnen.</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="87"/>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="89"/>
        <source>Copy image</source>
        <translation>Bild kopieren</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="90"/>
        <source>Copy the image to the clipboard.</source>
        <translation>Das Bild in die Zwischenablage kopieren.</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/gallery_panel.cpp" line="126"/>
        <location filename="../ui/gallery_panel.cpp" line="165"/>
        <source>%n image(s) in %1</source>
        <translation>
            <numerusform>%n Bild in %1</numerusform>
            <numerusform>%n Bilder in %1</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="190"/>
        <source>&lt;i&gt;Select an image to see how it was made.&lt;/i&gt;</source>
        <translation>&lt;i&gt;Wählen Sie ein Bild, um zu sehen, wie es entstanden ist.&lt;/i&gt;</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="194"/>
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;No Archival Studio metadata in this file.</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;Diese Datei enthält keine Archival-Studio-Metadaten.</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="204"/>
        <source>Program</source>
        <translation>Programm</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="205"/>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="206"/>
        <source>Prompt as sent</source>
        <translation>Prompt wie gesendet</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="207"/>
        <source>Negative prompt</source>
        <translation>Negativ-Prompt</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="208"/>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="209"/>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="210"/>
        <source>Guidance</source>
        <translation>Guidance</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="211"/>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="212"/>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="213"/>
        <source>Strength</source>
        <translation>Stärke</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="214"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="221"/>
        <source>LoRAs</source>
        <translation>LoRAs</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="222"/>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="223"/>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="223"/>
        <source>%1 s (denoise %2 s)</source>
        <translation>%1 s (Entrauschen %2 s)</translation>
    </message>
    <message>
        <location filename="../ui/gallery_panel.cpp" line="226"/>
        <source>Made</source>
        <translation>Erstellt</translation>
    </message>
</context>
<context>
    <name>archival::ui::HostPanel</name>
    <message>
        <location filename="../ui/host_panel.cpp" line="27"/>
        <source>all jobs</source>
        <translation>alle Aufträge</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="28"/>
        <source>its own jobs</source>
        <translation>eigene Aufträge</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/host_panel.cpp" line="30"/>
        <source> (%n job(s) of its own)</source>
        <translation>
            <numerusform> (%n eigener Auftrag)</numerusform>
            <numerusform> (%n eigene Aufträge)</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="40"/>
        <source>Serve exhibition screens</source>
        <translation>Ausstellungsbildschirme bedienen</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="50"/>
        <source>Access token</source>
        <translation>Zugangstoken</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="51"/>
        <location filename="../ui/host_panel.cpp" line="88"/>
        <source>Show</source>
        <translation>Anzeigen</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="53"/>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="54"/>
        <source>Regenerate</source>
        <translation>Neu erzeugen</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="56"/>
        <source>Make a new token; screens already attached stay, new ones need the new token</source>
        <translation>Ein neues Token erzeugen; verbundene Bildschirme bleiben, neue brauchen das neue Token</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="66"/>
        <source>Screens connect to:</source>
        <translation>Bildschirme verbinden sich mit:</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="67"/>
        <source>Display page:</source>
        <translation>Anzeigeseite:</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="68"/>
        <source>Access token:</source>
        <translation>Zugangstoken:</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="73"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="73"/>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="73"/>
        <source>Role</source>
        <translation>Rolle</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="73"/>
        <source>Watching</source>
        <translation>Beobachtet</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="73"/>
        <source>Previews dropped</source>
        <translation>Verworfene Vorschauen</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="82"/>
        <source>Attached displays</source>
        <translation>Verbundene Bildschirme</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="88"/>
        <source>Hide</source>
        <translation>Verbergen</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="125"/>
        <location filename="../ui/host_panel.cpp" line="129"/>
        <source>off</source>
        <translation>aus</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="131"/>
        <source>none: loopback screens only</source>
        <translation>keines: nur Bildschirme auf diesem Rechner</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="134"/>
        <source>Screens need the access token.</source>
        <translation>Bildschirme brauchen das Zugangstoken.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="135"/>
        <source>Screens on this computer need no token.</source>
        <translation>Bildschirme auf diesem Rechner brauchen kein Token.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="137"/>
        <source>Not serving.</source>
        <translation>Nicht aktiv.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="146"/>
        <source>%1 (legacy)</source>
        <translation>%1 (Altprotokoll)</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="151"/>
        <source>display</source>
        <translation>Anzeige</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="152"/>
        <source>controller</source>
        <translation>Steuerung</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="155"/>
        <source>Disconnect</source>
        <translation>Trennen</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="156"/>
        <source>Disconnect %1</source>
        <translation>%1 trennen</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="166"/>
        <source>Access token copied.</source>
        <translation>Zugangstoken kopiert.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="174"/>
        <source>The keychain is unavailable (%1): the new token lasts until the studio closes.</source>
        <translation>Der Schlüsselbund ist nicht verfügbar (%1): Das neue Token gilt, bis das Studio geschlossen wird.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="178"/>
        <source>New token stored in the keychain.</source>
        <translation>Neues Token im Schlüsselbund gespeichert.</translation>
    </message>
    <message>
        <location filename="../ui/host_panel.cpp" line="183"/>
        <source>A new access token is in use.</source>
        <translation>Ein neues Zugangstoken ist in Gebrauch.</translation>
    </message>
</context>
<context>
    <name>archival::ui::ImageSaver</name>
    <message>
        <location filename="../ui/image_saver.cpp" line="44"/>
        <source>Cannot create the output folder %1</source>
        <translation>Der Ausgabeordner %1 lässt sich nicht anlegen</translation>
    </message>
</context>
<context>
    <name>archival::ui::InitImagePanel</name>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="22"/>
        <location filename="../ui/init_image_panel.cpp" line="28"/>
        <location filename="../ui/init_image_panel.cpp" line="92"/>
        <source>Init image</source>
        <translation>Ausgangsbild</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="25"/>
        <source>Init image file</source>
        <translation>Datei des Ausgangsbilds</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="29"/>
        <source>Drop an image here or choose one.</source>
        <translation>Ziehen Sie ein Bild hierher oder wählen Sie eines.</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="30"/>
        <source>Choose…</source>
        <translation>Auswählen…</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="32"/>
        <location filename="../ui/init_image_panel.cpp" line="97"/>
        <source>Choose init image</source>
        <translation>Ausgangsbild auswählen</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="33"/>
        <source>Clear</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="35"/>
        <source>Clear init image</source>
        <translation>Ausgangsbild entfernen</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="58"/>
        <source>Cannot read %1: %2</source>
        <translation>%1 lässt sich nicht lesen: %2</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="64"/>
        <source>The program&apos;s source image: %1 (%2×%3)</source>
        <translation>Das Ausgangsbild des Programms: %1 (%2×%3)</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="68"/>
        <source>Init image: %1 (%2×%3)</source>
        <translation>Ausgangsbild: %1 (%2×%3)</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="98"/>
        <source>Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)</source>
        <translation>Bilder (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)</translation>
    </message>
    <message>
        <location filename="../ui/init_image_panel.cpp" line="119"/>
        <source>Init image: dropped (%1×%2)</source>
        <translation>Ausgangsbild: hineingezogen (%1×%2)</translation>
    </message>
</context>
<context>
    <name>archival::ui::JobController</name>
    <message>
        <location filename="../ui/job_controller.cpp" line="22"/>
        <source>Saved %1</source>
        <translation>%1 gespeichert</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="44"/>
        <source>Queued %1.</source>
        <translation>%1 eingereiht.</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="50"/>
        <source>Cancelling…</source>
        <translation>Wird abgebrochen…</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="65"/>
        <source>Started.</source>
        <translation>Gestartet.</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="70"/>
        <source>Loading %1 (%2 of %3)</source>
        <translation>Lade %1 (%2 von %3)</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="71"/>
        <source>%1…</source>
        <translation>%1…</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="83"/>
        <source>step %v / %m</source>
        <translation>Schritt %v / %m</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="94"/>
        <source>The job returned no image.</source>
        <translation>Der Auftrag hat kein Bild geliefert.</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="99"/>
        <source>%1 · seed %2 · %3×%4 · %5 s</source>
        <translation>%1 · Seed %2 · %3×%4 · %5 s</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="110"/>
        <source>Done; saving…</source>
        <translation>Fertig; wird gespeichert…</translation>
    </message>
    <message>
        <location filename="../ui/job_controller.cpp" line="127"/>
        <location filename="../ui/job_controller.cpp" line="128"/>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
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
        <translation type="vanished">Fehler</translation>
    </message>
    <message>
        <source>Dismiss error</source>
        <translation type="vanished">Fehlermeldung schließen</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation type="vanished">Schließen</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="78"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="81"/>
        <source>Job progress</source>
        <translation>Fortschritt des Auftrags</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation type="vanished">%1 gespeichert</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/main_window.cpp" line="110"/>
        <source>%1 %n problem(s) in the program files; see Program.</source>
        <translation>
            <numerusform>%1 %n Problem in den Programmdateien; siehe Programm.</numerusform>
            <numerusform>%1 %n Probleme in den Programmdateien; siehe Programm.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="125"/>
        <source>&amp;Generate</source>
        <translation>&amp;Erzeugen</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="128"/>
        <source>Generate (Ctrl+Enter)</source>
        <translation>Erzeugen (Strg+Eingabe)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="129"/>
        <source>&amp;Cancel</source>
        <translation>&amp;Abbrechen</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="131"/>
        <source>Cancel (Esc)</source>
        <translation>Abbrechen (Esc)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="133"/>
        <source>Zoom to &amp;fit</source>
        <translation>&amp;Einpassen</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="138"/>
        <source>Zoom &amp;100%</source>
        <translation>&amp;100 %</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="145"/>
        <source>&amp;Settings…</source>
        <translation>E&amp;instellungen…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="148"/>
        <source>C&amp;lear model cache</source>
        <translation>Modell-&amp;Cache leeren</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="150"/>
        <source>&amp;Reset layout</source>
        <translation>Anordnung &amp;zurücksetzen</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="151"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="164"/>
        <source>Model cache cleared.</source>
        <translation>Modell-Cache geleert.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="169"/>
        <source>Main</source>
        <translation>Haupt</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="171"/>
        <source>Main toolbar</source>
        <translation>Hauptwerkzeugleiste</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="184"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="188"/>
        <source>&amp;Run</source>
        <translation>&amp;Ausführen</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="198"/>
        <source>Program</source>
        <translation>Programm</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="200"/>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="202"/>
        <source>Gallery</source>
        <translation>Galerie</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="203"/>
        <source>Memory</source>
        <translation>Speicher</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="206"/>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="250"/>
        <source>No programs, so no models to look for.</source>
        <translation>Keine Programme, also auch keine Modelle zu suchen.</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/main_window.cpp" line="252"/>
        <source>All %n model(s) found.</source>
        <translation>
            <numerusform>Das Modell wurde gefunden.</numerusform>
            <numerusform>Alle %n Modelle gefunden.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="253"/>
        <source>%1 of %2 models found; see Program for where we looked.</source>
        <translation>%1 von %2 Modellen gefunden; unter Programm steht, wo gesucht wurde.</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/main_window.cpp" line="260"/>
        <source>%n program(s) unavailable: a file they need is missing (see Program).</source>
        <translation>
            <numerusform>%n Programm nicht verfügbar: eine Datei, die es braucht, fehlt (siehe Programm).</numerusform>
            <numerusform>%n Programme nicht verfügbar: eine Datei, die sie brauchen, fehlt (siehe Programm).</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="272"/>
        <source>no program selected</source>
        <translation>kein Programm ausgewählt</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="278"/>
        <source>the model&apos;s tokenizer was not found</source>
        <translation>der Tokenizer des Modells wurde nicht gefunden</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="292"/>
        <source>Already generating; Esc cancels.</source>
        <translation>Es wird bereits erzeugt; Esc bricht ab.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="297"/>
        <source>Choose a program first.</source>
        <translation>Wählen Sie zuerst ein Programm.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="303"/>
        <source>%1 cannot run: %2</source>
        <translation>%1 kann nicht laufen: %2</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="308"/>
        <source>Type a prompt first.</source>
        <translation>Geben Sie zuerst einen Prompt ein.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="325"/>
        <source>%1 is an image-to-image program: choose or drop an init image first.</source>
        <translation>%1 ist ein Bild-zu-Bild-Programm: Wählen Sie zuerst ein Ausgangsbild oder ziehen Sie eines hierher.</translation>
    </message>
    <message>
        <source>Queued %1.</source>
        <translation type="vanished">%1 eingereiht.</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation type="vanished">Wird abgebrochen…</translation>
    </message>
    <message>
        <source>Started.</source>
        <translation type="vanished">Gestartet.</translation>
    </message>
    <message>
        <source>Loading %1 (%2 of %3)</source>
        <translation type="vanished">Lade %1 (%2 von %3)</translation>
    </message>
    <message>
        <source>%1…</source>
        <translation type="vanished">%1…</translation>
    </message>
    <message>
        <source>step %v / %m</source>
        <translation type="vanished">Schritt %v / %m</translation>
    </message>
    <message>
        <source>The job returned no image.</source>
        <translation type="vanished">Der Auftrag hat kein Bild geliefert.</translation>
    </message>
    <message>
        <source>%1 · seed %2 · %3×%4 · %5 s</source>
        <translation type="vanished">%1 · Seed %2 · %3×%4 · %5 s</translation>
    </message>
    <message>
        <source>Done; saving…</source>
        <translation type="vanished">Fertig; wird gespeichert…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation type="vanished">Abgebrochen.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="390"/>
        <source>Settings saved.</source>
        <translation>Einstellungen gespeichert.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="392"/>
        <source>The language changes at the next start.</source>
        <translation>Die Sprache wechselt beim nächsten Start.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="408"/>
        <source>Program %1 of this image is not defined any more.</source>
        <translation>Das Programm %1 dieses Bildes ist nicht mehr definiert.</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="419"/>
        <source>Settings of %1 seed %2 loaded: Ctrl+Enter generates it again.</source>
        <translation>Einstellungen von %1, Seed %2 geladen: Strg+Eingabe erzeugt es erneut.</translation>
    </message>
</context>
<context>
    <name>archival::ui::MemoryPanel</name>
    <message>
        <location filename="../ui/memory_panel.cpp" line="25"/>
        <source>Memory use</source>
        <translation>Speicherverbrauch</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="32"/>
        <source>Cached models</source>
        <translation>Geladene Modelle</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="34"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="34"/>
        <source>Memory</source>
        <translation>Speicher</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="34"/>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="34"/>
        <source>In use</source>
        <translation>In Benutzung</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="36"/>
        <source>Cached model columns</source>
        <translation>Spalten der geladenen Modelle</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="41"/>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="43"/>
        <source>Refresh memory stats</source>
        <translation>Speicherwerte aktualisieren</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="45"/>
        <location filename="../ui/memory_panel.cpp" line="47"/>
        <source>Clear cache</source>
        <translation>Cache leeren</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="48"/>
        <source>Unload every model not used by a running job.</source>
        <translation>Jedes Modell entladen, das kein laufender Auftrag benutzt.</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="68"/>
        <source>Process: %1 (peak %2)</source>
        <translation>Prozess: %1 (Spitze %2)</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="70"/>
        <source>CUDA: %1 allocated, %2 reserved, peak %3</source>
        <translation>CUDA: %1 belegt, %2 reserviert, Spitze %3</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="74"/>
        <source>CUDA: not in use</source>
        <translation>CUDA: nicht in Benutzung</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="75"/>
        <source>Budget for models: %1</source>
        <translation>Budget für Modelle: %1</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="76"/>
        <source>Budget for models: not set</source>
        <translation>Budget für Modelle: nicht festgelegt</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/memory_panel.cpp" line="77"/>
        <source>%n model(s) cached</source>
        <translation>
            <numerusform>%n Modell geladen</numerusform>
            <numerusform>%n Modelle geladen</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="87"/>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <location filename="../ui/memory_panel.cpp" line="87"/>
        <source>no</source>
        <translation>nein</translation>
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
        <translation>Fortschritt der Erzeugung</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="25"/>
        <source>Preview</source>
        <translation>Vorschau</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="27"/>
        <source>Type a prompt and press Ctrl+Enter.
Each step&apos;s preview appears here.</source>
        <translation>Geben Sie einen Prompt ein und drücken Sie Strg+Eingabe.
Die Vorschau jedes Schritts erscheint hier.</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="30"/>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="38"/>
        <source>Starting…</source>
        <translation>Startet…</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="43"/>
        <source>%1 · %2 elapsed</source>
        <translation>%1 · %2 vergangen</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="51"/>
        <source>Step %1 of %2 · %3 elapsed</source>
        <translation>Schritt %1 von %2 · %3 vergangen</translation>
    </message>
    <message>
        <location filename="../ui/preview_view.cpp" line="56"/>
        <source> · about %1 left</source>
        <translation> · noch etwa %1</translation>
    </message>
</context>
<context>
    <name>archival::ui::ProgramPanel</name>
    <message>
        <location filename="../ui/program_panel.cpp" line="38"/>
        <source>Programs</source>
        <translation>Programme</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="47"/>
        <source>Problems in the program files</source>
        <translation>Probleme in den Programmdateien</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="63"/>
        <source>This run only</source>
        <translation>Nur für diesen Lauf</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="64"/>
        <source>Overrides for the next run; the program file is not changed.</source>
        <translation>Abweichungen für den nächsten Lauf; die Programmdatei bleibt unverändert.</translation>
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
        <translation>Seed-Wert</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="82"/>
        <source>e.g. 42</source>
        <translation>z. B. 42</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="85"/>
        <location filename="../ui/program_panel.cpp" line="266"/>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="89"/>
        <source>Steps value</source>
        <translation>Anzahl Schritte</translation>
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
        <translation>Guidance-Wert</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="103"/>
        <location filename="../ui/program_panel.cpp" line="268"/>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="110"/>
        <source>Width</source>
        <translation>Breite</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="113"/>
        <source>Height</source>
        <translation>Höhe</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="123"/>
        <location filename="../ui/program_panel.cpp" line="125"/>
        <source>Use the program&apos;s values</source>
        <translation>Werte des Programms verwenden</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="130"/>
        <location filename="../ui/program_panel.cpp" line="134"/>
        <source>Prompt as sent</source>
        <translation>Prompt wie gesendet</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="140"/>
        <source>Program settings</source>
        <translation>Programmeinstellungen</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="165"/>
        <source>%1 (unavailable)</source>
        <translation>%1 (nicht verfügbar)</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="174"/>
        <source>Problems in the program files (built-in programs stay in use):</source>
        <translation>Probleme in den Programmdateien (die eingebauten Programme bleiben nutzbar):</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="218"/>
        <source>(type a prompt)</source>
        <translation>(Prompt eingeben)</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="259"/>
        <source>Program</source>
        <translation>Programm</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="260"/>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="262"/>
        <source>Model folder</source>
        <translation>Modellordner</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="262"/>
        <source>not resolved</source>
        <translation>nicht aufgelöst</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="263"/>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="264"/>
        <source>image-to-image (strength %1)</source>
        <translation>Bild zu Bild (Stärke %1)</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="265"/>
        <source>text-to-image</source>
        <translation>Text zu Bild</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="269"/>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="270"/>
        <source>Template</source>
        <translation>Vorlage</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="271"/>
        <source>Negative prompt</source>
        <translation>Negativ-Prompt</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="271"/>
        <location filename="../ui/program_panel.cpp" line="275"/>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="275"/>
        <source>LoRAs</source>
        <translation>LoRAs</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="277"/>
        <source>Source image</source>
        <translation>Ausgangsbild des Programms</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="278"/>
        <source>Unavailable</source>
        <translation>Nicht verfügbar</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="279"/>
        <source>fixed: %1</source>
        <translation>fest: %1</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="280"/>
        <source>random per run</source>
        <translation>zufällig je Lauf</translation>
    </message>
    <message>
        <location filename="../ui/program_panel.cpp" line="281"/>
        <source>Defined in</source>
        <translation>Definiert in</translation>
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
        <translation>Was soll das Bild zeigen? Strg+Eingabe erzeugt es.</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="28"/>
        <source>&amp;Negative</source>
        <translation>&amp;Negativ</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="31"/>
        <source>Negative prompt</source>
        <translation>Negativ-Prompt</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="37"/>
        <source>Token count</source>
        <translation>Token-Anzahl</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="40"/>
        <source>&amp;History</source>
        <translation>&amp;Verlauf</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="43"/>
        <source>Search prompt history</source>
        <translation>Prompt-Verlauf durchsuchen</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="44"/>
        <source>Search earlier prompts</source>
        <translation>Frühere Prompts suchen</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="49"/>
        <source>Prompt history</source>
        <translation>Prompt-Verlauf</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="50"/>
        <source>Enter or double-click puts the prompt back in the editor.</source>
        <translation>Eingabetaste oder Doppelklick holt den Prompt zurück in den Editor.</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="102"/>
        <source>What the image should not show (optional)</source>
        <translation>Was das Bild nicht zeigen soll (optional)</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="103"/>
        <source>Program default: %1</source>
        <translation>Vorgabe des Programms: %1</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="144"/>
        <source>Token count unavailable.</source>
        <translation>Token-Anzahl nicht verfügbar.</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="145"/>
        <source>Token count unavailable: %1</source>
        <translation>Token-Anzahl nicht verfügbar: %1</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="156"/>
        <source>%1 / %2 tokens (prompt as sent)</source>
        <translation>%1 / %2 Tokens (Prompt wie gesendet)</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="164"/>
        <source>%1 / %2 tokens: the end of the program&apos;s template is cut off.</source>
        <translation>%1 / %2 Tokens: Das Ende der Programmvorlage wird abgeschnitten.</translation>
    </message>
    <message>
        <location filename="../ui/prompt_editor.cpp" line="170"/>
        <source>%1 / %2 tokens: the model does not see the marked end of the prompt.</source>
        <translation>%1 / %2 Tokens: Das markierte Ende des Prompts sieht das Modell nicht.</translation>
    </message>
</context>
<context>
    <name>archival::ui::SettingsDialog</name>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="31"/>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="32"/>
        <source>Browse for %1</source>
        <translation>%1 suchen</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="61"/>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="66"/>
        <source>Settings sections</source>
        <translation>Bereiche der Einstellungen</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="67"/>
        <source>Models</source>
        <translation>Modelle</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="68"/>
        <location filename="../ui/settings_dialog.cpp" line="155"/>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="69"/>
        <source>Output &amp;&amp; language</source>
        <translation>Ausgabe &amp;&amp; Sprache</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="70"/>
        <source>R2 &amp;&amp; host</source>
        <translation>R2 &amp;&amp; Host</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="74"/>
        <source>Save settings</source>
        <translation>Einstellungen speichern</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="75"/>
        <source>Discard changes</source>
        <translation>Änderungen verwerfen</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="85"/>
        <source>A model is looked for in this order: its explicit folder, the Hugging Face cache, then each model root (ROOT/ORG/NAME).</source>
        <translation>Ein Modell wird in dieser Reihenfolge gesucht: in seinem ausdrücklich angegebenen Ordner, im Hugging-Face-Cache, dann in jedem Modell-Stammordner (STAMM/ORG/NAME).</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="93"/>
        <source>Explicit model folders</source>
        <translation>Ausdrücklich angegebene Modellordner</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="94"/>
        <source>Model id</source>
        <translation>Modell-ID</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="94"/>
        <source>Folder or .safetensors file</source>
        <translation>Ordner oder .safetensors-Datei</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="113"/>
        <source>Explicit folders</source>
        <translation>Angegebene Ordner</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="117"/>
        <source>Hugging Face cache</source>
        <translation>Hugging-Face-Cache</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="120"/>
        <source>Models in the Hugging Face cache</source>
        <translation>Modelle im Hugging-Face-Cache</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="123"/>
        <source>It holds</source>
        <translation>Enthält</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="130"/>
        <source>Model root folders, one per line</source>
        <translation>Modell-Stammordner, einer pro Zeile</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="133"/>
        <source>Model roots (one per line)</source>
        <translation>Modell-Stammordner (einer pro Zeile)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="140"/>
        <source>(the folder does not exist)</source>
        <translation>(der Ordner existiert nicht)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="142"/>
        <source>(no models)</source>
        <translation>(keine Modelle)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="150"/>
        <source>Automatic (CUDA when present)</source>
        <translation>Automatisch (CUDA, falls vorhanden)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="151"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="152"/>
        <source>CUDA device 0</source>
        <translation>CUDA-Gerät 0</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="156"/>
        <source>&amp;Device</source>
        <translation>&amp;Gerät</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="159"/>
        <source>Automatic (bf16/fp16 on CUDA; on the CPU bf16 where it has bf16 units, else fp32)</source>
        <translation>Automatisch (bf16/fp16 mit CUDA; auf der CPU bf16, wo sie bf16-Einheiten hat, sonst fp32)</translation>
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
        <translation>Genauigkeit</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="166"/>
        <source>&amp;Precision</source>
        <translation>Ge&amp;nauigkeit</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="168"/>
        <source>Load the T5 text encoder (SD 3.5; better prompts, more memory)</source>
        <translation>T5-Textencoder laden (SD 3.5; bessere Prompts, mehr Speicher)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="173"/>
        <source>Free the text encoders between jobs (SD 3.5; saves memory)</source>
        <translation>Textencoder zwischen Aufträgen freigeben (SD 3.5; spart Speicher)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="178"/>
        <source>Changing the device, precision or model folders unloads the cached models.</source>
        <translation>Ein Wechsel von Gerät, Genauigkeit oder Modellordnern entlädt die geladenen Modelle.</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="189"/>
        <source>Output folder</source>
        <translation>Ausgabeordner</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="190"/>
        <source>Show a preview of each step</source>
        <translation>Vorschau jedes Schritts zeigen</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="196"/>
        <location filename="../ui/settings_dialog.cpp" line="202"/>
        <source>Least time between previews</source>
        <translation>Mindestabstand zwischen Vorschauen</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="199"/>
        <source> ms</source>
        <translation> ms</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="200"/>
        <source>every step</source>
        <translation>jeder Schritt</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="203"/>
        <source>System language</source>
        <translation>Systemsprache</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="208"/>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="209"/>
        <source>&amp;Language (after a restart)</source>
        <translation>&amp;Sprache (nach einem Neustart)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="216"/>
        <source>Cloudflare R2 (batch uploads)</source>
        <translation>Cloudflare R2 (Stapel-Uploads)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="218"/>
        <source>The R2 destination (account, bucket, prefix, access key) and its secret are set in the Batch panel, where Test connection tries them. The secret is kept in the system keychain.</source>
        <translation>Das R2-Ziel (Konto, Bucket, Präfix, Zugangsschlüssel) und sein Geheimnis werden im Stapel-Bereich eingestellt, wo „Verbindung testen“ sie ausprobiert. Das Geheimnis liegt im Schlüsselbund des Systems.</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="246"/>
        <source>Batch broker (several machines)</source>
        <translation>Batch-Broker (mehrere Rechner)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="250"/>
        <location filename="../ui/settings_dialog.cpp" line="252"/>
        <source>Broker URL</source>
        <translation>Broker-URL</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="251"/>
        <source>redis://HOST:6379/0 (empty: none)</source>
        <translation>redis://HOST:6379/0 (leer: keiner)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="253"/>
        <source>The Batch panel then shows every set on the broker, with its worker. The password is read from the system keychain or ARCHIVAL_BROKER_PASSWORD, never stored here.</source>
        <translation>Die Batch-Leiste zeigt dann jeden Satz auf dem Broker mit seinem Worker. Das Passwort kommt aus dem Schlüsselbund des Systems oder ARCHIVAL_BROKER_PASSWORD und wird nie hier gespeichert.</translation>
    </message>
    <message>
        <source>R2 account id</source>
        <translation type="vanished">R2-Konto-ID</translation>
    </message>
    <message>
        <source>Account id</source>
        <translation type="vanished">Konto-ID</translation>
    </message>
    <message>
        <source>R2 bucket</source>
        <translation type="vanished">R2-Bucket</translation>
    </message>
    <message>
        <source>Bucket</source>
        <translation type="vanished">Bucket</translation>
    </message>
    <message>
        <source>R2 key prefix</source>
        <translation type="vanished">R2-Schlüsselpräfix</translation>
    </message>
    <message>
        <source>Key prefix</source>
        <translation type="vanished">Schlüsselpräfix</translation>
    </message>
    <message>
        <source>Access keys are kept in the system keychain: enter them in the Batch panel.</source>
        <translation type="vanished">Zugangsschlüssel liegen im Schlüsselbund des Systems: Geben Sie sie im Stapel-Bereich ein.</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="227"/>
        <source>WebSocket host (exhibition screens)</source>
        <translation>WebSocket-Host (Ausstellungsbildschirme)</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="231"/>
        <source>Host address</source>
        <translation>Host-Adresse</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="232"/>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="235"/>
        <source>Host port</source>
        <translation>Host-Port</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="238"/>
        <source>Port</source>
        <translation>Port</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="239"/>
        <source>The access token is kept in the system keychain: set it in the Host panel.</source>
        <translation>Das Zugangstoken liegt im Schlüsselbund des Systems: Legen Sie es im Host-Bereich fest.</translation>
    </message>
</context>
<context>
    <name>archival::ui::StudioPanels</name>
    <message>
        <location filename="../ui/studio_panels.cpp" line="24"/>
        <source>Batch</source>
        <translation>Stapel</translation>
    </message>
    <message>
        <location filename="../ui/studio_panels.cpp" line="35"/>
        <source>Exhibition host</source>
        <translation>Ausstellungs-Host</translation>
    </message>
    <message>
        <location filename="../ui/studio_panels.cpp" line="72"/>
        <source>The exhibition host will listen on %1 when switched on.</source>
        <translation>Der Ausstellungs-Host lauscht nach dem Einschalten auf %1.</translation>
    </message>
    <message>
        <location filename="../ui/studio_panels.cpp" line="78"/>
        <source>The exhibition host now listens on %1.</source>
        <translation>Der Ausstellungs-Host lauscht jetzt auf %1.</translation>
    </message>
    <message>
        <location filename="../ui/studio_panels.cpp" line="81"/>
        <source>The exhibition host cannot listen on %1: %2</source>
        <translation>Der Ausstellungs-Host kann nicht auf %1 lauschen: %2</translation>
    </message>
    <message>
        <location filename="../ui/studio_panels.cpp" line="27"/>
        <location filename="../ui/studio_panels.cpp" line="60"/>
        <source>Batch uploads wait for the R2 key: %1</source>
        <translation>Stapel-Uploads warten auf den R2-Schlüssel: %1</translation>
    </message>
</context>
</TS>
