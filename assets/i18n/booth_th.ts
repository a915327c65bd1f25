<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="th_TH">
<context>
    <name></name>
    <message>
        <location filename="../../booth/gui/messages.py" line="14"/>
        <source>Locked after wrong PINs. Wait, or ask a supervisor to unlock.</source>
        <translation>ถูกล็อกเพราะใส่ PIN ผิดหลายครั้ง รอสักครู่หรือให้หัวหน้าปลดล็อก</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="16"/>
        <source>Wrong PIN. Try again.</source>
        <translation>PIN ไม่ถูกต้อง ลองอีกครั้ง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="18"/>
        <source>This officer is disabled at this booth. Ask a supervisor.</source>
        <translation>เจ้าหน้าที่คนนี้ถูกปิดการใช้งานที่ช่องตรวจนี้ กรุณาติดต่อหัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="20"/>
        <source>This officer is not registered at this booth.</source>
        <translation>เจ้าหน้าที่คนนี้ไม่ได้ลงทะเบียนที่ช่องตรวจนี้</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="22"/>
        <source>Only a supervisor may do this.</source>
        <translation>เฉพาะหัวหน้าเท่านั้นที่ทำได้</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="24"/>
        <source>The disk is full: the scan was NOT recorded. Call the supervisor.</source>
        <translation>ดิสก์เต็ม: ไม่ได้บันทึกการสแกน เรียกหัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="26"/>
        <source>The disk is read-only: the scan was NOT recorded. Call the supervisor.</source>
        <translation>ดิสก์อ่านได้อย่างเดียว: ไม่ได้บันทึกการสแกน เรียกหัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="28"/>
        <source>The ledger is busy: the scan was NOT recorded. Scan again.</source>
        <translation>ระบบบันทึกไม่ว่าง: ไม่ได้บันทึกการสแกน สแกนอีกครั้ง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="30"/>
        <source>No trust list is installed: permits cannot be checked. Call the supervisor.</source>
        <translation>ยังไม่ได้ติดตั้งรายการความเชื่อถือ: ตรวจใบอนุญาตไม่ได้ เรียกหัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="32"/>
        <source>Override refused: {0}</source>
        <translation>การอนุมัติพิเศษถูกปฏิเสธ: {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/messages.py" line="35"/>
        <source>Unexpected error; it was logged. Call the supervisor.</source>
        <translation>เกิดข้อผิดพลาดที่ไม่คาดคิดและได้บันทึกไว้ เรียกหัวหน้า</translation>
    </message>
</context>
<context>
    <name>BoothStatusBar</name>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="41"/>
        <source>Officer: {0}</source>
        <translation>เจ้าหน้าที่: {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="43"/>
        <source>Camera OK</source>
        <translation>กล้องปกติ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="44"/>
        <source>Camera starting…</source>
        <translation>กำลังเปิดกล้อง…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="45"/>
        <source>Camera lost — reconnecting</source>
        <translation>กล้องขาดการเชื่อมต่อ — กำลังเชื่อมต่อใหม่</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="46"/>
        <source>No camera</source>
        <translation>ไม่พบกล้อง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="47"/>
        <source>Camera off</source>
        <translation>ปิดกล้อง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="52"/>
        <source>No trust list installed</source>
        <translation>ยังไม่ได้ติดตั้งรายการความเชื่อถือ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="54"/>
        <source>Trust list EXPIRED: sync with HQ</source>
        <translation>รายการความเชื่อถือหมดอายุ: ซิงค์กับสำนักงานใหญ่</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="59"/>
        <source>Trust list v{0}, {1} days old</source>
        <translation>รายการความเชื่อถือ v{0} อายุ {1} วัน</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="62"/>
        <source>Clock looks wrong!</source>
        <translation>นาฬิกาอาจผิดพลาด!</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="66"/>
        <source>never</source>
        <translation>ไม่เคย</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="68"/>
        <source>Sync failing: {0} waiting · last OK {1}</source>
        <translation>ซิงค์ล้มเหลว: รอ {0} รายการ · สำเร็จล่าสุด {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="72"/>
        <source>Not enrolled with HQ: {0} waiting</source>
        <translation>ยังไม่ได้ลงทะเบียนกับสำนักงานใหญ่: รอ {0} รายการ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/status_bar.py" line="76"/>
        <source>Sync: {0} waiting · last {1}</source>
        <translation>ซิงค์: รอ {0} รายการ · ล่าสุด {1}</translation>
    </message>
</context>
<context>
    <name>CameraView</name>
    <message>
        <location filename="../../booth/gui/camera_view.py" line="103"/>
        <source>Starting the camera…</source>
        <translation>กำลังเปิดกล้อง…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/camera_view.py" line="104"/>
        <source>Camera lost — reconnecting…
Check the cable. You can also type the permit (F4).</source>
        <translation>กล้องขาดการเชื่อมต่อ — กำลังเชื่อมต่อใหม่…
ตรวจสอบสายเคเบิล หรือพิมพ์ใบอนุญาตก็ได้ (F4)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/camera_view.py" line="105"/>
        <source>No camera found.
Connect the camera, or type the permit (F4).</source>
        <translation>ไม่พบกล้อง
เชื่อมต่อกล้อง หรือพิมพ์ใบอนุญาต (F4)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/camera_view.py" line="106"/>
        <source>Camera off</source>
        <translation>ปิดกล้อง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/camera_view.py" line="107"/>
        <source>Waiting for the camera…</source>
        <translation>กำลังรอกล้อง…</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <location filename="../../booth/gui/login_screen.py" line="105"/>
        <source>Border permit check</source>
        <translation>ตรวจใบอนุญาตผ่านแดน</translation>
    </message>
    <message>
        <location filename="../../booth/gui/login_screen.py" line="107"/>
        <source>Booth {0} · checkpoint {1}</source>
        <translation>ช่องตรวจ {0} · จุดผ่านแดน {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/login_screen.py" line="108"/>
        <source>Officer</source>
        <translation>เจ้าหน้าที่</translation>
    </message>
    <message>
        <location filename="../../booth/gui/login_screen.py" line="109"/>
        <source>PIN</source>
        <translation>รหัส PIN</translation>
    </message>
    <message>
        <location filename="../../booth/gui/login_screen.py" line="110"/>
        <source>Log in</source>
        <translation>เข้าสู่ระบบ</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../booth/gui/main_window.py" line="74"/>
        <source>Booth</source>
        <translation>ช่องตรวจ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="186"/>
        <source>Checking…</source>
        <translation>กำลังตรวจสอบ…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="225"/>
        <source>Log in first: the scan was not recorded.</source>
        <translation>กรุณาเข้าสู่ระบบก่อน: ไม่ได้บันทึกการสแกน</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="262"/>
        <source>ENTRY  →   (F2 to switch)</source>
        <translation>เข้า  →   (F2 เพื่อสลับ)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="264"/>
        <source>←  EXIT   (F2 to switch)</source>
        <translation>←  ออก   (F2 เพื่อสลับ)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="274"/>
        <source>There is no rejected scan to override.</source>
        <translation>ไม่มีการสแกนที่ถูกปฏิเสธให้อนุมัติพิเศษ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="302"/>
        <source>Override refused</source>
        <translation>การอนุมัติพิเศษถูกปฏิเสธ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="310"/>
        <source>Only a supervisor may change the settings.</source>
        <translation>เฉพาะหัวหน้าเท่านั้นที่เปลี่ยนการตั้งค่าได้</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="323"/>
        <source>Settings</source>
        <translation>การตั้งค่า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="350"/>
        <source>This booth is not enrolled with HQ (booth enrol).</source>
        <translation>ช่องตรวจนี้ยังไม่ได้ลงทะเบียนกับสำนักงานใหญ่ (booth enrol)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="353"/>
        <source>Syncing with HQ…</source>
        <translation>กำลังซิงค์กับสำนักงานใหญ่…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="392"/>
        <source>Booth {0} · {1}</source>
        <translation>ช่องตรวจ {0} · {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="395"/>
        <source>Type permit (F4)</source>
        <translation>พิมพ์ใบอนุญาต (F4)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="396"/>
        <source>Override (F8)</source>
        <translation>อนุมัติพิเศษ (F8)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="397"/>
        <source>Scan again (F5)</source>
        <translation>สแกนอีกครั้ง (F5)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="398"/>
        <source>Lock (Ctrl+L)</source>
        <translation>ล็อก (Ctrl+L)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="399"/>
        <source>Settings (F10)</source>
        <translation>การตั้งค่า (F10)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="400"/>
        <source>Sync now (F6)</source>
        <translation>ซิงค์ตอนนี้ (F6)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="401"/>
        <source>Reports (F9)</source>
        <translation>รายงาน (F9)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="402"/>
        <source>Sound off (Ctrl+M)</source>
        <translation>ปิดเสียง (Ctrl+M)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/main_window.py" line="402"/>
        <source>Sound on (Ctrl+M)</source>
        <translation>เปิดเสียง (Ctrl+M)</translation>
    </message>
</context>
<context>
    <name>ManualEntryDialog</name>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="83"/>
        <source>Enter permit text</source>
        <translation>ป้อนข้อความใบอนุญาต</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="92"/>
        <source>Type the text printed under the QR code, or paste it.</source>
        <translation>พิมพ์ข้อความที่พิมพ์อยู่ใต้คิวอาร์โค้ด หรือวางข้อความ</translation>
    </message>
</context>
<context>
    <name>OverrideDialog</name>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="29"/>
        <source>Supervisor override</source>
        <translation>การอนุมัติพิเศษโดยหัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="32"/>
        <source>Record {0}: {1} — {2}
Rejected for: {3}</source>
        <translation>รายการ {0}: {1} — {2}
ถูกปฏิเสธเพราะ: {3}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="33"/>
        <source>unknown holder</source>
        <translation>ไม่ทราบผู้ถือ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="42"/>
        <source>Why may this person cross? (required)</source>
        <translation>เหตุใดบุคคลนี้จึงผ่านได้? (จำเป็น)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="45"/>
        <source>Supervisor</source>
        <translation>หัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="46"/>
        <source>PIN</source>
        <translation>รหัส PIN</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="54"/>
        <source>This permit could not be trusted: two supervisors must agree.</source>
        <translation>ไม่สามารถเชื่อถือใบอนุญาตนี้ได้: หัวหน้าสองคนต้องเห็นชอบ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="57"/>
        <source>Second supervisor</source>
        <translation>หัวหน้าคนที่สอง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="58"/>
        <source>Their PIN</source>
        <translation>รหัส PIN ของเขา</translation>
    </message>
    <message>
        <location filename="../../booth/gui/dialogs.py" line="59"/>
        <source>Reason</source>
        <translation>เหตุผล</translation>
    </message>
</context>
<context>
    <name>Reason</name>
    <message>
        <location filename="../../booth/reasons.py" line="41"/>
        <source>The code could not be read as a border permit.</source>
        <translation>ไม่สามารถอ่านรหัสนี้เป็นใบอนุญาตผ่านแดนได้</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="42"/>
        <source>The permit data is damaged or not a valid permit.</source>
        <translation>ข้อมูลใบอนุญาตเสียหายหรือไม่ใช่ใบอนุญาตที่ถูกต้อง</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="43"/>
        <source>The permit&apos;s signature is false: it was altered or forged.</source>
        <translation>ลายมือชื่อของใบอนุญาตไม่ถูกต้อง: ถูกแก้ไขหรือปลอมแปลง</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="44"/>
        <source>The permit was signed by an office this booth does not recognise.</source>
        <translation>ใบอนุญาตนี้ลงนามโดยสำนักงานที่ช่องตรวจนี้ไม่รู้จัก</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="47"/>
        <source>The issuing office was not allowed to issue this permit.</source>
        <translation>สำนักงานผู้ออกไม่มีสิทธิ์ออกใบอนุญาตนี้</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="48"/>
        <source>The issuing office&apos;s key was reported stolen: this permit cannot be trusted.</source>
        <translation>กุญแจของสำนักงานผู้ออกถูกแจ้งว่าถูกขโมย: ไม่สามารถเชื่อถือใบอนุญาตนี้ได้</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="51"/>
        <source>The permit has expired.</source>
        <translation>ใบอนุญาตหมดอายุแล้ว</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="52"/>
        <source>The permit is not valid yet.</source>
        <translation>ใบอนุญาตยังไม่มีผลใช้</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="53"/>
        <source>The permit has been revoked.</source>
        <translation>ใบอนุญาตถูกเพิกถอนแล้ว</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="54"/>
        <source>The permit is not valid at this checkpoint.</source>
        <translation>ใบอนุญาตใช้ที่จุดผ่านแดนนี้ไม่ได้</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="55"/>
        <source>The holder already entered and has not exited.</source>
        <translation>ผู้ถือเข้ามาแล้วและยังไม่ได้ออก</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="56"/>
        <source>No entry is on record for this exit.</source>
        <translation>ไม่มีบันทึกการเข้าสำหรับการออกครั้งนี้</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="57"/>
        <source>The holder stayed longer than the permit allows.</source>
        <translation>ผู้ถืออยู่นานเกินกว่าที่ใบอนุญาตกำหนด</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="58"/>
        <source>This single-use permit has already been used.</source>
        <translation>ใบอนุญาตใช้ครั้งเดียวนี้ถูกใช้ไปแล้ว</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="59"/>
        <source>The holder is on the watchlist: call the supervisor.</source>
        <translation>ผู้ถืออยู่ในรายชื่อเฝ้าระวัง: เรียกหัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="60"/>
        <source>The watchlist cannot be checked on this booth: call the supervisor.</source>
        <translation>ไม่สามารถตรวจสอบรายชื่อเฝ้าระวังที่ด่านนี้ได้: เรียกหัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="63"/>
        <source>The trust list is out of date: sync with HQ.</source>
        <translation>รายการความเชื่อถือล้าสมัย: ซิงค์กับสำนักงานใหญ่</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="64"/>
        <source>The trust list has expired: no one may cross until this booth syncs with HQ.</source>
        <translation>รายการความเชื่อถือหมดอายุแล้ว: ห้ามผู้ใดผ่านจนกว่าด่านนี้จะซิงค์กับสำนักงานใหญ่</translation>
    </message>
    <message>
        <location filename="../../booth/reasons.py" line="67"/>
        <source>The booth clock looks wrong: check the date and time.</source>
        <translation>นาฬิกาของช่องตรวจอาจผิด: ตรวจสอบวันที่และเวลา</translation>
    </message>
</context>
<context>
    <name>RecentScans</name>
    <message>
        <location filename="../../booth/gui/recent_scans.py" line="40"/>
        <source>OVERRIDE by {0}</source>
        <translation>อนุมัติพิเศษโดย {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/recent_scans.py" line="42"/>
        <source>PASS</source>
        <translation>ผ่าน</translation>
    </message>
    <message>
        <location filename="../../booth/gui/recent_scans.py" line="44"/>
        <source>STOP</source>
        <translation>หยุด</translation>
    </message>
    <message>
        <location filename="../../booth/gui/recent_scans.py" line="45"/>
        <source>(unreadable)</source>
        <translation>(อ่านไม่ได้)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/recent_scans.py" line="56"/>
        <source>Search name or permit number (F3)</source>
        <translation>ค้นหาชื่อหรือเลขใบอนุญาต (F3)</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="16"/>
        <source>Booth settings</source>
        <translation>การตั้งค่าช่องตรวจ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="20"/>
        <source>A camera number (0, 1…), a video file, an rtsp:// or http:// address, or sim</source>
        <translation>หมายเลขกล้อง (0, 1…) ไฟล์วิดีโอ ที่อยู่ rtsp:// หรือ http:// หรือ sim</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="30"/>
        <source> min</source>
        <translation> นาที</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="32"/>
        <source>Play sounds</source>
        <translation>เปิดเสียง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="35"/>
        <source>Camera</source>
        <translation>กล้อง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="36"/>
        <source>Checkpoint</source>
        <translation>จุดผ่านแดน</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="37"/>
        <source>Language</source>
        <translation>ภาษา</translation>
    </message>
    <message>
        <location filename="../../booth/gui/settings_dialog.py" line="38"/>
        <source>Lock when idle after</source>
        <translation>ล็อกเมื่อไม่ได้ใช้งานนาน</translation>
    </message>
</context>
<context>
    <name>ShiftCounters</name>
    <message>
        <location filename="../../booth/gui/shift_counters.py" line="41"/>
        <source>Entries</source>
        <translation>เข้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/shift_counters.py" line="42"/>
        <source>Exits</source>
        <translation>ออก</translation>
    </message>
    <message>
        <location filename="../../booth/gui/shift_counters.py" line="43"/>
        <source>Rejections</source>
        <translation>ปฏิเสธ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/shift_counters.py" line="44"/>
        <source>Overrides</source>
        <translation>อนุมัติพิเศษ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/shift_counters.py" line="45"/>
        <source>Inside now</source>
        <translation>อยู่ข้างในขณะนี้</translation>
    </message>
</context>
<context>
    <name>SupervisorView</name>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="94"/>
        <source>Supervisor · reports and exports</source>
        <translation>หัวหน้า · รายงานและการส่งออก</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="202"/>
        <location filename="../../booth/gui/supervisor_view.py" line="207"/>
        <source>Shift</source>
        <translation>กะ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="202"/>
        <source>Day</source>
        <translation>วัน</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="202"/>
        <source>Period</source>
        <translation>ช่วงเวลา</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="206"/>
        <source>Report of</source>
        <translation>รายงานของ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="208"/>
        <source>From</source>
        <translation>จาก</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="209"/>
        <source>To</source>
        <translation>ถึง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="210"/>
        <source>Officer</source>
        <translation>เจ้าหน้าที่</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="211"/>
        <source>Export as</source>
        <translation>ส่งออกเป็น</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="212"/>
        <source>to folder</source>
        <translation>ไปยังโฟลเดอร์</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="217"/>
        <source>Scans</source>
        <translation>การสแกน</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="218"/>
        <source>Entries</source>
        <translation>เข้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="219"/>
        <source>Exits</source>
        <translation>ออก</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="220"/>
        <source>Rejections</source>
        <translation>ปฏิเสธ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="221"/>
        <source>Overrides</source>
        <translation>อนุมัติพิเศษ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="222"/>
        <source>Still inside</source>
        <translation>ยังอยู่ข้างใน</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="223"/>
        <source>Overstays</source>
        <translation>อยู่เกินกำหนด</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="227"/>
        <source>Show</source>
        <translation>แสดง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="228"/>
        <source>Search by name or permit number</source>
        <translation>ค้นหาตามชื่อหรือเลขใบอนุญาต</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="245"/>
        <source>Choose folder…</source>
        <translation>เลือกโฟลเดอร์…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="246"/>
        <source>Export</source>
        <translation>ส่งออก</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="247"/>
        <source>Cancel export</source>
        <translation>ยกเลิกการส่งออก</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="248"/>
        <location filename="../../booth/gui/supervisor_view.py" line="406"/>
        <source>Close shift</source>
        <translation>ปิดกะ</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="249"/>
        <source>e.g. the USB stick</source>
        <translation>เช่น แฟลชไดรฟ์ USB</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="262"/>
        <source>open</source>
        <translation>เปิดอยู่</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="274"/>
        <source>All officers</source>
        <translation>เจ้าหน้าที่ทั้งหมด</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="324"/>
        <source>No shift to show yet.</source>
        <translation>ยังไม่มีกะให้แสดง</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="352"/>
        <source>none</source>
        <translation>ไม่มี</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="354"/>
        <source>Rejected for: {0}</source>
        <translation>ปฏิเสธเพราะ: {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="357"/>
        <source>Overrides: {0}</source>
        <translation>อนุมัติพิเศษ: {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="365"/>
        <source>Sync: HQ holds records up to #{0} of #{1} ({2} waiting)</source>
        <translation>ซิงค์: สำนักงานใหญ่มีรายการถึง #{0} จาก #{1} (รอ {2} รายการ)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="376"/>
        <source>override by {0}</source>
        <translation>อนุมัติพิเศษโดย {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="391"/>
        <source>{0} records shown, newest first</source>
        <translation>แสดง {0} รายการ ล่าสุดก่อน</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="393"/>
        <source>(of {0}; search to narrow, or export them all)</source>
        <translation>(จาก {0}; ค้นหาเพื่อจำกัด หรือส่งออกทั้งหมด)</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="407"/>
        <source>Close shift #{0} of {1}?</source>
        <translation>ปิดกะ #{0} ของ {1}?</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="416"/>
        <source>Shift #{0} of {1} is closed.</source>
        <translation>ปิดกะ #{0} ของ {1} แล้ว</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="422"/>
        <source>Export to folder</source>
        <translation>ส่งออกไปยังโฟลเดอร์</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="446"/>
        <source>Exporting to {0}…</source>
        <translation>กำลังส่งออกไปยัง {0}…</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="471"/>
        <source>Exported {0} records to {1}, signed in {2}.</source>
        <translation>ส่งออก {0} รายการไปยัง {1} ลงนามใน {2} แล้ว</translation>
    </message>
</context>
<context>
    <name>VerdictPanel</name>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="117"/>
        <source>READY</source>
        <translation>พร้อม</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="117"/>
        <source>Hold the permit&apos;s QR code up to the camera.</source>
        <translation>ยกคิวอาร์โค้ดของใบอนุญาตให้กล้องเห็น</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="121"/>
        <source>ERROR</source>
        <translation>ข้อผิดพลาด</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="122"/>
        <source>The scan was not recorded. Scan again; if it repeats, call the supervisor.</source>
        <translation>ไม่ได้บันทึกการสแกน สแกนอีกครั้ง หากเกิดซ้ำให้เรียกหัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="130"/>
        <source>PASS</source>
        <translation>ผ่าน</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="130"/>
        <source>STOP</source>
        <translation>หยุด</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="131"/>
        <source>Entry</source>
        <translation>การเข้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="131"/>
        <source>Exit</source>
        <translation>การออก</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="133"/>
        <source>Let through by supervisor {0} · record {1}</source>
        <translation>หัวหน้า {0} อนุญาตให้ผ่าน · รายการ {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="135"/>
        <source>{0} refused · record {1} · F8: supervisor override</source>
        <translation>{0}ถูกปฏิเสธ · รายการ {1} · F8: อนุมัติพิเศษโดยหัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="137"/>
        <source>{0} recorded · record {1}</source>
        <translation>บันทึก{0}แล้ว · รายการ {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="165"/>
        <source>Permit {0}</source>
        <translation>ใบอนุญาต {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="166"/>
        <source>Nationality {0} · born {1} · sex {2}</source>
        <translation>สัญชาติ {0} · เกิด {1} · เพศ {2}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="167"/>
        <source>Valid until {0}</source>
        <translation>ใช้ได้ถึง {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="168"/>
        <source>Checkpoints: {0}</source>
        <translation>จุดผ่านแดน: {0}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="169"/>
        <source>Stay up to {0} days · {1}</source>
        <translation>พำนักได้ไม่เกิน {0} วัน · {1}</translation>
    </message>
    <message>
        <location filename="../../booth/gui/verdict_panel.py" line="179"/>
        <source>no photo</source>
        <translation>ไม่มีรูปถ่าย</translation>
    </message>
</context>
<context>
    <name>parent</name>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="64"/>
        <source>Supervisor view</source>
        <translation>มุมมองหัวหน้า</translation>
    </message>
    <message>
        <location filename="../../booth/gui/supervisor_view.py" line="64"/>
        <source>Only a supervisor may open this.</source>
        <translation>เฉพาะหัวหน้าเท่านั้นที่เปิดได้</translation>
    </message>
</context>
</TS>
