<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="km_KH">
<context>
    <name></name>
    <message>
        <location filename="../../booth/gui/messages.py" line="14"/>
        <source>Locked after wrong PINs. Wait, or ask a supervisor to unlock.</source>
        <translation>ត្រូវបានចាក់សោដោយសារលេខសម្ងាត់ខុស។ សូមរង់ចាំ ឬសុំអ្នកគ្រប់គ្រងដោះសោ។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="16"/>
        <source>Wrong PIN. Try again.</source>
        <translation>លេខសម្ងាត់ខុស។ សូមព្យាយាមម្តងទៀត។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="18"/>
        <source>This officer is disabled at this booth. Ask a supervisor.</source>
        <translation>មន្ត្រីនេះត្រូវបានបិទនៅបញ្ជរនេះ។ សូមសួរអ្នកគ្រប់គ្រង។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="20"/>
        <source>This officer is not registered at this booth.</source>
        <translation>មន្ត្រីនេះមិនបានចុះឈ្មោះនៅបញ្ជរនេះទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="22"/>
        <source>Only a supervisor may do this.</source>
        <translation>មានតែអ្នកគ្រប់គ្រងទេដែលអាចធ្វើបាន។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="24"/>
        <source>The disk is full: the scan was NOT recorded. Call the supervisor.</source>
        <translation>ថាសពេញ៖ ការស្កេនមិនត្រូវបានកត់ត្រាទេ។ សូមហៅអ្នកគ្រប់គ្រង។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="26"/>
        <source>The disk is read-only: the scan was NOT recorded. Call the supervisor.</source>
        <translation>ថាសអាចអានបានតែប៉ុណ្ណោះ៖ ការស្កេនមិនត្រូវបានកត់ត្រាទេ។ សូមហៅអ្នកគ្រប់គ្រង។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="28"/>
        <source>The ledger is busy: the scan was NOT recorded. Scan again.</source>
        <translation>បញ្ជីកត់ត្រាកំពុងរវល់៖ ការស្កេនមិនត្រូវបានកត់ត្រាទេ។ សូមស្កេនម្តងទៀត។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="30"/>
        <source>No trust list is installed: permits cannot be checked. Call the supervisor.</source>
        <translation>មិនទាន់ដំឡើងបញ្ជីទុកចិត្ត៖ មិនអាចពិនិត្យលិខិតអនុញ្ញាតបានទេ។ សូមហៅអ្នកគ្រប់គ្រង។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="32"/>
        <source>Override refused: {0}</source>
        <translation>ការអនុញ្ញាតពិសេសត្រូវបានបដិសេធ៖ {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="35"/>
        <source>Unexpected error; it was logged. Call the supervisor.</source>
        <translation>កំហុសមិនរំពឹងទុក ត្រូវបានកត់ទុក។ សូមហៅអ្នកគ្រប់គ្រង។</translation>
    </message>
</context>
<context>
    <name>BoothStatusBar</name>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="41"/>
        <source>Officer: {0}</source>
        <translation>មន្ត្រី៖ {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="43"/>
        <source>Camera OK</source>
        <translation>កាមេរ៉ាដំណើរការល្អ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="44"/>
        <source>Camera starting…</source>
        <translation>កំពុងបើកកាមេរ៉ា…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="45"/>
        <source>Camera lost — reconnecting</source>
        <translation>បាត់កាមេរ៉ា — កំពុងភ្ជាប់ឡើងវិញ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="46"/>
        <source>No camera</source>
        <translation>គ្មានកាមេរ៉ា</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="47"/>
        <source>Camera off</source>
        <translation>កាមេរ៉ាបិទ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="52"/>
        <source>No trust list installed</source>
        <translation>មិនទាន់មានបញ្ជីទុកចិត្ត</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="54"/>
        <source>Trust list EXPIRED: sync with HQ</source>
        <translation>បញ្ជីទុកចិត្តផុតសុពលភាព៖ សូមធ្វើសមកាលកម្មជាមួយទីស្នាក់ការកណ្តាល</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="59"/>
        <source>Trust list v{0}, {1} days old</source>
        <translation>បញ្ជីទុកចិត្ត v{0} ចាស់ {1} ថ្ងៃ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="62"/>
        <source>Clock looks wrong!</source>
        <translation>នាឡិកាហាក់ដូចជាខុស!</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="66"/>
        <source>never</source>
        <translation>មិនដែល</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="68"/>
        <source>Sync failing: {0} waiting · last OK {1}</source>
        <translation>សមកាលកម្មបរាជ័យ៖ {0} កំពុងរង់ចាំ · ជោគជ័យចុងក្រោយ {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="72"/>
        <source>Not enrolled with HQ: {0} waiting</source>
        <translation>មិនទាន់ចុះឈ្មោះជាមួយទីស្នាក់ការកណ្តាល៖ {0} កំពុងរង់ចាំ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="76"/>
        <source>Sync: {0} waiting · last {1}</source>
        <translation>សមកាលកម្ម៖ {0} កំពុងរង់ចាំ · ចុងក្រោយ {1}</translation>
    </message>
</context>
<context>
    <name>CameraView</name>
    <message>
        <location filename="../../booth/gui/camera_view.py" line="103"/>
        <source>Starting the camera…</source>
        <translation>កំពុងបើកកាមេរ៉ា…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/camera_view.py" line="104"/>
        <source>Camera lost — reconnecting…
Check the cable. You can also type the permit (F4).</source>
        <translation>បាត់កាមេរ៉ា — កំពុងភ្ជាប់ឡើងវិញ…
សូមពិនិត្យខ្សែ។ អ្នកក៏អាចវាយលិខិតអនុញ្ញាតបានដែរ (F4)។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/camera_view.py" line="105"/>
        <source>No camera found.
Connect the camera, or type the permit (F4).</source>
        <translation>រកមិនឃើញកាមេរ៉ា។
សូមភ្ជាប់កាមេរ៉ា ឬវាយលិខិតអនុញ្ញាត (F4)។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/camera_view.py" line="106"/>
        <source>Camera off</source>
        <translation>កាមេរ៉ាបិទ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/camera_view.py" line="107"/>
        <source>Waiting for the camera…</source>
        <translation>កំពុងរង់ចាំកាមេរ៉ា…</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <location filename="../../booth/gui/login_screen.py" line="105"/>
        <source>Border permit check</source>
        <translation>ការត្រួតពិនិត្យលិខិតអនុញ្ញាតឆ្លងដែន</translation>
    </message>
    <message>
        <location filename="../../booth/gui/login_screen.py" line="107"/>
        <source>Booth {0} · checkpoint {1}</source>
        <translation>បញ្ជរ {0} · ច្រកត្រួតពិនិត្យ {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/login_screen.py" line="108"/>
        <source>Officer</source>
        <translation>មន្ត្រី</translation>
    </message>
    <message>
        <location filename="../../booth/gui/login_screen.py" line="109"/>
        <source>PIN</source>
        <translation>លេខសម្ងាត់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/login_screen.py" line="110"/>
        <source>Log in</source>
        <translation>ចូល</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../booth/gui/main_window.py" line="74"/>
        <source>Booth</source>
        <translation>បញ្ជរ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="186"/>
        <source>Checking…</source>
        <translation>កំពុងពិនិត្យ…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="225"/>
        <source>Log in first: the scan was not recorded.</source>
        <translation>សូមចូលជាមុនសិន៖ ការស្កេនមិនត្រូវបានកត់ត្រាទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="262"/>
        <source>ENTRY  →   (F2 to switch)</source>
        <translation>ចូល  →   (F2 ដើម្បីប្តូរ)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="264"/>
        <source>←  EXIT   (F2 to switch)</source>
        <translation>←  ចេញ   (F2 ដើម្បីប្តូរ)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="274"/>
        <source>There is no rejected scan to override.</source>
        <translation>គ្មានការស្កេនដែលត្រូវបានបដិសេធ សម្រាប់អនុញ្ញាតពិសេសទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="302"/>
        <source>Override refused</source>
        <translation>ការអនុញ្ញាតពិសេសត្រូវបានបដិសេធ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="310"/>
        <source>Only a supervisor may change the settings.</source>
        <translation>មានតែអ្នកគ្រប់គ្រងទេដែលអាចប្តូរការកំណត់បាន។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="323"/>
        <source>Settings</source>
        <translation>ការកំណត់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="350"/>
        <source>This booth is not enrolled with HQ (booth enrol).</source>
        <translation>បញ្ជរនេះមិនទាន់ចុះឈ្មោះជាមួយទីស្នាក់ការកណ្តាលទេ (booth enrol)។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="353"/>
        <source>Syncing with HQ…</source>
        <translation>កំពុងធ្វើសមកាលកម្មជាមួយទីស្នាក់ការកណ្តាល…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="392"/>
        <source>Booth {0} · {1}</source>
        <translation>បញ្ជរ {0} · {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="395"/>
        <source>Type permit (F4)</source>
        <translation>វាយលិខិតអនុញ្ញាត (F4)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="396"/>
        <source>Override (F8)</source>
        <translation>អនុញ្ញាតពិសេស (F8)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="397"/>
        <source>Scan again (F5)</source>
        <translation>ស្កេនម្តងទៀត (F5)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="398"/>
        <source>Lock (Ctrl+L)</source>
        <translation>ចាក់សោ (Ctrl+L)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="399"/>
        <source>Settings (F10)</source>
        <translation>ការកំណត់ (F10)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="400"/>
        <source>Sync now (F6)</source>
        <translation>ធ្វើសមកាលកម្មឥឡូវ (F6)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="401"/>
        <source>Reports (F9)</source>
        <translation>របាយការណ៍ (F9)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="402"/>
        <source>Sound off (Ctrl+M)</source>
        <translation>បិទសំឡេង (Ctrl+M)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="402"/>
        <source>Sound on (Ctrl+M)</source>
        <translation>បើកសំឡេង (Ctrl+M)</translation>
    </message>
</context>
<context>
    <name>ManualEntryDialog</name>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="83"/>
        <source>Enter permit text</source>
        <translation>បញ្ចូលអត្ថបទលិខិតអនុញ្ញាត</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="92"/>
        <source>Type the text printed under the QR code, or paste it.</source>
        <translation>វាយអត្ថបទដែលបោះពុម្ពនៅក្រោមកូដ QR ឬបិទភ្ជាប់វា។</translation>
    </message>
</context>
<context>
    <name>OverrideDialog</name>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="29"/>
        <source>Supervisor override</source>
        <translation>ការអនុញ្ញាតពិសេសរបស់អ្នកគ្រប់គ្រង</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="32"/>
        <source>Record {0}: {1} — {2}
Rejected for: {3}</source>
        <translation>កំណត់ត្រា {0}៖ {1} — {2}
បដិសេធដោយសារ៖ {3}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="33"/>
        <source>unknown holder</source>
        <translation>មិនស្គាល់ម្ចាស់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="42"/>
        <source>Why may this person cross? (required)</source>
        <translation>ហេតុអ្វីបានជាអ្នកនេះអាចឆ្លងកាត់? (ចាំបាច់)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="45"/>
        <source>Supervisor</source>
        <translation>អ្នកគ្រប់គ្រង</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="46"/>
        <source>PIN</source>
        <translation>លេខសម្ងាត់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="54"/>
        <source>This permit could not be trusted: two supervisors must agree.</source>
        <translation>មិនអាចទុកចិត្តលិខិតអនុញ្ញាតនេះបានទេ៖ អ្នកត្រួតពិនិត្យពីរនាក់ត្រូវតែយល់ព្រម។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="57"/>
        <source>Second supervisor</source>
        <translation>អ្នកត្រួតពិនិត្យទីពីរ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="58"/>
        <source>Their PIN</source>
        <translation>លេខសម្ងាត់របស់គាត់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="59"/>
        <source>Reason</source>
        <translation>មូលហេតុ</translation>
    </message>
</context>
<context>
    <name>Reason</name>
    <message>
        <location filename="../../booth/reasons.py" line="41"/>
        <source>The code could not be read as a border permit.</source>
        <translation>មិនអាចអានកូដនេះជាលិខិតអនុញ្ញាតឆ្លងដែនបានទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="42"/>
        <source>The permit data is damaged or not a valid permit.</source>
        <translation>ទិន្នន័យលិខិតអនុញ្ញាតខូច ឬមិនមែនជាលិខិតអនុញ្ញាតត្រឹមត្រូវ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="43"/>
        <source>The permit&apos;s signature is false: it was altered or forged.</source>
        <translation>ហត្ថលេខារបស់លិខិតអនុញ្ញាតមិនពិត៖ វាត្រូវបានកែប្រែ ឬក្លែងបន្លំ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="44"/>
        <source>The permit was signed by an office this booth does not recognise.</source>
        <translation>លិខិតអនុញ្ញាតនេះត្រូវបានចុះហត្ថលេខាដោយការិយាល័យដែលបញ្ជរនេះមិនទទួលស្គាល់។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="47"/>
        <source>The issuing office was not allowed to issue this permit.</source>
        <translation>ការិយាល័យចេញលិខិតមិនមានសិទ្ធិចេញលិខិតអនុញ្ញាតនេះទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="48"/>
        <source>The issuing office&apos;s key was reported stolen: this permit cannot be trusted.</source>
        <translation>កូនសោរបស់ការិយាល័យចេញលិខិតត្រូវបានរាយការណ៍ថាត្រូវគេលួច៖ មិនអាចទុកចិត្តលិខិតអនុញ្ញាតនេះបានទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="51"/>
        <source>The permit has expired.</source>
        <translation>លិខិតអនុញ្ញាតផុតសុពលភាពហើយ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="52"/>
        <source>The permit is not valid yet.</source>
        <translation>លិខិតអនុញ្ញាតមិនទាន់មានសុពលភាពនៅឡើយទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="53"/>
        <source>The permit has been revoked.</source>
        <translation>លិខិតអនុញ្ញាតត្រូវបានដកហូត។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="54"/>
        <source>The permit is not valid at this checkpoint.</source>
        <translation>លិខិតអនុញ្ញាតមិនមានសុពលភាពនៅច្រកត្រួតពិនិត្យនេះទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="55"/>
        <source>The holder already entered and has not exited.</source>
        <translation>ម្ចាស់លិខិតបានចូលរួចហើយ ហើយមិនទាន់ចេញទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="56"/>
        <source>No entry is on record for this exit.</source>
        <translation>គ្មានកំណត់ត្រាចូលសម្រាប់ការចេញនេះទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="57"/>
        <source>The holder stayed longer than the permit allows.</source>
        <translation>ម្ចាស់លិខិតស្នាក់នៅយូរជាងលិខិតអនុញ្ញាតកំណត់។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="58"/>
        <source>This single-use permit has already been used.</source>
        <translation>លិខិតអនុញ្ញាតប្រើម្តងនេះត្រូវបានប្រើរួចហើយ។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="59"/>
        <source>The holder is on the watchlist: call the supervisor.</source>
        <translation>ម្ចាស់លិខិតស្ថិតក្នុងបញ្ជីតាមដាន៖ សូមហៅអ្នកគ្រប់គ្រង។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="60"/>
        <source>The watchlist cannot be checked on this booth: call the supervisor.</source>
        <translation>មិនអាចពិនិត្យបញ្ជីតាមដាននៅប៉ុស្តិ៍នេះបានទេ៖ សូមហៅអ្នកគ្រប់គ្រង។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="63"/>
        <source>The trust list is out of date: sync with HQ.</source>
        <translation>បញ្ជីទុកចិត្តហួសសម័យ៖ សូមធ្វើសមកាលកម្មជាមួយទីស្នាក់ការកណ្តាល។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="64"/>
        <source>The trust list has expired: no one may cross until this booth syncs with HQ.</source>
        <translation>បញ្ជីទុកចិត្តផុតសុពលភាពហើយ៖ គ្មាននរណាម្នាក់អាចឆ្លងកាត់បានទេ រហូតដល់ប៉ុស្តិ៍នេះធ្វើសមកាលកម្មជាមួយទីស្នាក់ការកណ្តាល។</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="67"/>
        <source>The booth clock looks wrong: check the date and time.</source>
        <translation>នាឡិការបស់បញ្ជរហាក់ដូចជាខុស៖ សូមពិនិត្យកាលបរិច្ឆេទ និងម៉ោង។</translation>
    </message>
</context>
<context>
    <name>RecentScans</name>
    <message>
        <location filename="../../booth/gui/recent_scans.py" line="40"/>
        <source>OVERRIDE by {0}</source>
        <translation>អនុញ្ញាតពិសេសដោយ {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/recent_scans.py" line="42"/>
        <source>PASS</source>
        <translation>ឆ្លងបាន</translation>
    </message>
    <message>
        <location filename="../../booth/gui/recent_scans.py" line="44"/>
        <source>STOP</source>
        <translation>ឈប់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/recent_scans.py" line="45"/>
        <source>(unreadable)</source>
        <translation>(អានមិនបាន)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/recent_scans.py" line="56"/>
        <source>Search name or permit number (F3)</source>
        <translation>ស្វែងរកឈ្មោះ ឬលេខលិខិតអនុញ្ញាត (F3)</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="16"/>
        <source>Booth settings</source>
        <translation>ការកំណត់បញ្ជរ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="20"/>
        <source>A camera number (0, 1…), a video file, an rtsp:// or http:// address, or sim</source>
        <translation>លេខកាមេរ៉ា (0, 1…) ឯកសារវីដេអូ អាសយដ្ឋាន rtsp:// ឬ http:// ឬ sim</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="30"/>
        <source> min</source>
        <translation> នាទី</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="32"/>
        <source>Play sounds</source>
        <translation>បើកសំឡេង</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="35"/>
        <source>Camera</source>
        <translation>កាមេរ៉ា</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="36"/>
        <source>Checkpoint</source>
        <translation>ច្រកត្រួតពិនិត្យ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="37"/>
        <source>Language</source>
        <translation>ភាសា</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="38"/>
        <source>Lock when idle after</source>
        <translation>ចាក់សោពេលទំនេរក្រោយ</translation>
    </message>
</context>
<context>
    <name>ShiftCounters</name>
    <message>
        <location filename="../../booth/gui/shift_counters.py" line="41"/>
        <source>Entries</source>
        <translation>ចូល</translation>
    </message>
    <message>
        <location filename="../../booth/gui/shift_counters.py" line="42"/>
        <source>Exits</source>
        <translation>ចេញ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/shift_counters.py" line="43"/>
        <source>Rejections</source>
        <translation>បដិសេធ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/shift_counters.py" line="44"/>
        <source>Overrides</source>
        <translation>អនុញ្ញាតពិសេស</translation>
    </message>
    <message>
        <location filename="../../booth/gui/shift_counters.py" line="45"/>
        <source>Inside now</source>
        <translation>នៅខាងក្នុងឥឡូវ</translation>
    </message>
</context>
<context>
    <name>SupervisorView</name>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="94"/>
        <source>Supervisor · reports and exports</source>
        <translation>អ្នកគ្រប់គ្រង · របាយការណ៍ និងការនាំចេញ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="202"/>
        <location filename="../../booth/gui/supervisor_view.py" line="207"/>
        <source>Shift</source>
        <translation>វេន</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="202"/>
        <source>Day</source>
        <translation>ថ្ងៃ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="202"/>
        <source>Period</source>
        <translation>រយៈពេល</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="206"/>
        <source>Report of</source>
        <translation>របាយការណ៍នៃ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="208"/>
        <source>From</source>
        <translation>ពី</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="209"/>
        <source>To</source>
        <translation>ដល់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="210"/>
        <source>Officer</source>
        <translation>មន្ត្រី</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="211"/>
        <source>Export as</source>
        <translation>នាំចេញជា</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="212"/>
        <source>to folder</source>
        <translation>ទៅថត</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="217"/>
        <source>Scans</source>
        <translation>ការស្កេន</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="218"/>
        <source>Entries</source>
        <translation>ចូល</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="219"/>
        <source>Exits</source>
        <translation>ចេញ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="220"/>
        <source>Rejections</source>
        <translation>បដិសេធ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="221"/>
        <source>Overrides</source>
        <translation>អនុញ្ញាតពិសេស</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="222"/>
        <source>Still inside</source>
        <translation>នៅខាងក្នុង</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="223"/>
        <source>Overstays</source>
        <translation>ស្នាក់នៅហួសកំណត់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="227"/>
        <source>Show</source>
        <translation>បង្ហាញ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="228"/>
        <source>Search by name or permit number</source>
        <translation>ស្វែងរកតាមឈ្មោះ ឬលេខលិខិតអនុញ្ញាត</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="245"/>
        <source>Choose folder…</source>
        <translation>ជ្រើសរើសថត…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="246"/>
        <source>Export</source>
        <translation>នាំចេញ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="247"/>
        <source>Cancel export</source>
        <translation>បោះបង់ការនាំចេញ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="248"/>
        <location filename="../../booth/gui/supervisor_view.py" line="406"/>
        <source>Close shift</source>
        <translation>បិទវេន</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="249"/>
        <source>e.g. the USB stick</source>
        <translation>ឧ. ឧបករណ៍ USB</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="262"/>
        <source>open</source>
        <translation>បើក</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="274"/>
        <source>All officers</source>
        <translation>មន្ត្រីទាំងអស់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="324"/>
        <source>No shift to show yet.</source>
        <translation>មិនទាន់មានវេនសម្រាប់បង្ហាញទេ។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="352"/>
        <source>none</source>
        <translation>គ្មាន</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="354"/>
        <source>Rejected for: {0}</source>
        <translation>បដិសេធដោយសារ៖ {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="357"/>
        <source>Overrides: {0}</source>
        <translation>អនុញ្ញាតពិសេស៖ {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="365"/>
        <source>Sync: HQ holds records up to #{0} of #{1} ({2} waiting)</source>
        <translation>សមកាលកម្ម៖ ទីស្នាក់ការកណ្តាលមានកំណត់ត្រារហូតដល់ #{0} ក្នុងចំណោម #{1} ({2} កំពុងរង់ចាំ)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="376"/>
        <source>override by {0}</source>
        <translation>អនុញ្ញាតពិសេសដោយ {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="391"/>
        <source>{0} records shown, newest first</source>
        <translation>បង្ហាញកំណត់ត្រា {0} ថ្មីបំផុតមុនគេ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="393"/>
        <source>(of {0}; search to narrow, or export them all)</source>
        <translation>(ក្នុងចំណោម {0}; ស្វែងរកដើម្បីបង្រួម ឬនាំចេញទាំងអស់)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="407"/>
        <source>Close shift #{0} of {1}?</source>
        <translation>បិទវេន #{0} របស់ {1}?</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="416"/>
        <source>Shift #{0} of {1} is closed.</source>
        <translation>វេន #{0} របស់ {1} ត្រូវបានបិទ។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="422"/>
        <source>Export to folder</source>
        <translation>នាំចេញទៅថត</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="446"/>
        <source>Exporting to {0}…</source>
        <translation>កំពុងនាំចេញទៅ {0}…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="471"/>
        <source>Exported {0} records to {1}, signed in {2}.</source>
        <translation>បាននាំចេញកំណត់ត្រា {0} ទៅ {1} ចុះហត្ថលេខាក្នុង {2}។</translation>
    </message>
</context>
<context>
    <name>VerdictPanel</name>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="117"/>
        <source>READY</source>
        <translation>រួចរាល់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="117"/>
        <source>Hold the permit&apos;s QR code up to the camera.</source>
        <translation>សូមបង្ហាញកូដ QR របស់លិខិតអនុញ្ញាតទៅកាមេរ៉ា។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="121"/>
        <source>ERROR</source>
        <translation>កំហុស</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="122"/>
        <source>The scan was not recorded. Scan again; if it repeats, call the supervisor.</source>
        <translation>ការស្កេនមិនត្រូវបានកត់ត្រាទេ។ សូមស្កេនម្តងទៀត ប្រសិនបើកើតឡើងម្តងទៀត សូមហៅអ្នកគ្រប់គ្រង។</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="130"/>
        <source>PASS</source>
        <translation>ឆ្លងបាន</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="130"/>
        <source>STOP</source>
        <translation>ឈប់</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="131"/>
        <source>Entry</source>
        <translation>ការចូល</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="131"/>
        <source>Exit</source>
        <translation>ការចេញ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="133"/>
        <source>Let through by supervisor {0} · record {1}</source>
        <translation>អនុញ្ញាតឱ្យឆ្លងដោយអ្នកគ្រប់គ្រង {0} · កំណត់ត្រា {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="135"/>
        <source>{0} refused · record {1} · F8: supervisor override</source>
        <translation>{0} ត្រូវបានបដិសេធ · កំណត់ត្រា {1} · F8៖ អនុញ្ញាតពិសេស</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="137"/>
        <source>{0} recorded · record {1}</source>
        <translation>{0} ត្រូវបានកត់ត្រា · កំណត់ត្រា {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="165"/>
        <source>Permit {0}</source>
        <translation>លិខិតអនុញ្ញាត {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="166"/>
        <source>Nationality {0} · born {1} · sex {2}</source>
        <translation>សញ្ជាតិ {0} · កើត {1} · ភេទ {2}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="167"/>
        <source>Valid until {0}</source>
        <translation>មានសុពលភាពដល់ {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="168"/>
        <source>Checkpoints: {0}</source>
        <translation>ច្រកត្រួតពិនិត្យ៖ {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="169"/>
        <source>Stay up to {0} days · {1}</source>
        <translation>ស្នាក់នៅបានរហូតដល់ {0} ថ្ងៃ · {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="179"/>
        <source>no photo</source>
        <translation>គ្មានរូបថត</translation>
    </message>
</context>
<context>
    <name>parent</name>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="64"/>
        <source>Supervisor view</source>
        <translation>ទិដ្ឋភាពអ្នកគ្រប់គ្រង</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="64"/>
        <source>Only a supervisor may open this.</source>
        <translation>មានតែអ្នកគ្រប់គ្រងទេដែលអាចបើកវាបាន។</translation>
    </message>
</context>
</TS>
