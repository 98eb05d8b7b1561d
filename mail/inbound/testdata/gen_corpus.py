#!/usr/bin/env python3
"""Generates the inbound-mail fixture corpus (testdata/corpus/*.eml) and
expected.json, the outcome the table test (TestCorpus) checks for each.

The messages are shaped after what real clients and MTAs send (Outlook,
Gmail, Apple Mail, Thunderbird, Postfix, Exim, qmail, Exchange, Japanese
and Chinese mailers). Re-run after editing: python3 gen_corpus.py
"""
import base64, hashlib, hmac, json, os, quopri, struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
FIXTURE_KEY = b"fixture-key"  # the test's Message-ID signing key
SUPPORT = "support@frontdesk.test"
expected = {}


def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")


def write(name, raw, **exp):
    if isinstance(raw, str):
        raw = crlf(raw).encode("utf-8")
    with open(os.path.join(OUT, name + ".eml"), "wb") as f:
        f.write(raw)
    exp.setdefault("kind", "personal")
    expected[name] = exp


def b64(b, width=76):
    s = base64.b64encode(b).decode()
    return "\n".join(s[i:i + width] for i in range(0, len(s), width))


def qp(b):
    return quopri.encodestring(b).decode("ascii")


def ew(s, charset, enc="B"):
    b = s.encode(charset)
    if enc == "B":
        return "=?%s?B?%s?=" % (charset, base64.b64encode(b).decode())
    q = "".join(chr(c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else "=%02X" % c for c in b)
    return "=?%s?Q?%s?=" % (charset, q)


def signed_id(tag, rnd="abcdefghijklmnop", host="frontdesk.test"):
    mac = hmac.new(FIXTURE_KEY, b"frontdesk-message-id\x00" + (tag + "." + rnd).encode(), hashlib.sha256).digest()[:10]
    sig = base64.b32encode(mac).decode().rstrip("=").lower()
    return "<fd.%s.%s.%s@%s>" % (tag, rnd, sig, host)


def head(frm, subject, mid, extra="", to=SUPPORT, date="Tue, 01 Dec 2026 09:15:00 +0100"):
    h = "From: %s\nTo: %s\nSubject: %s\nDate: %s\n" % (frm, to, subject, date)
    if mid:
        h += "Message-ID: %s\n" % mid
    return h + "MIME-Version: 1.0\n" + extra


# ---------------------------------------------------------------- charsets
CHARSETS = [
    ("utf-8", "Grüße aus Köln – der Drucker druckt nicht ✓", "Drucker kaputt ✓"),
    ("iso-8859-1", "Bonjour, ma facture est fausse. Ça coûte trop cher à l'été.", "Facture erronée"),
    ("iso-8859-2", "Dzień dobry, nie mogę się zalogować. Proszę o pomoc, żółć.", "Problem z logowaniem"),
    ("iso-8859-15", "Der Betrag von 50 € wurde doppelt abgebucht.", "Doppelte Abbuchung €"),
    ("iso-8859-7", "Καλημέρα, δεν μπορώ να συνδεθώ στον λογαριασμό μου.", "Πρόβλημα σύνδεσης"),
    ("iso-8859-5", "Здравствуйте, не работает вход в систему.", "Вход не работает"),
    ("windows-1252", "Hi \u201cteam\u201d \u2013 the export \u2018hangs\u2019\u2026 costs \u20ac10", "Export \u201changs\u201d"),
    ("windows-1250", "Dobrý den, faktura č. 42 není správně. Děkuji.", "Chybná faktura č. 42"),
    ("windows-1251", "Добрый день! Счёт выставлен неверно, помогите.", "Неверный счёт"),
    ("windows-1256", "مرحبا، لا أستطيع تسجيل الدخول إلى حسابي", "مشكلة تسجيل الدخول"),
    ("koi8-r", "Привет! Пароль не сбрасывается, письмо не приходит.", "Сброс пароля"),
    ("shift_jis", "お世話になっております。請求書の金額が間違っています。", "請求書について"),
    ("iso-2022-jp", "いつもお世話になっております。ログインできません。", "ログインできません"),
    ("euc-jp", "パスワードを忘れました。再設定をお願いします。", "パスワード再設定"),
    ("gb2312", "您好，我无法登录我的账户，请帮忙。", "无法登录"),
    ("gbk", "您好，發票金額有誤，请核对。", "发票问题"),
    ("gb18030", "您好，导出功能报错：𠀀 字符无法处理。", "导出错误"),
    ("big5", "您好，我的帳戶無法登入，請協助處理。", "帳戶無法登入"),
    ("euc-kr", "안녕하세요, 로그인이 되지 않습니다. 도와주세요.", "로그인 문제"),
]
for i, (cs, body, subj) in enumerate(CHARSETS):
    name = "charset-" + cs.replace("_", "-")
    enc = "B" if i % 2 == 0 or cs in ("iso-2022-jp",) else "Q"
    raw_body = body.encode(cs)
    if cs == "iso-2022-jp":
        cte, payload = "7bit", raw_body.decode("ascii")
    elif i % 3 == 0:
        cte, payload = "base64", b64(raw_body)
    else:
        cte, payload = "quoted-printable", qp(raw_body)
    raw = head('%s <kunde%d@example.com>' % (ew("Kundin Ä " + cs, "utf-8", enc), i), ew(subj, cs, enc),
               "<charset-%d@mail.example.com>" % i,
               "Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: %s\n" % (cs, cte))
    raw = crlf(raw + "\n").encode() + crlf(payload + "\n").encode()
    write(name, raw, subject=subj, text_contains=[body], from_addr="kunde%d@example.com" % i,
          from_name="Kundin Ä " + cs, message_id="<charset-%d@mail.example.com>" % i)

# 8bit UTF-8 body, no Content-Transfer-Encoding, raw UTF-8 in the subject
# (what some webmailers do).
write("utf8-8bit-raw-header", head("Zoë <zoe@example.com>", "Ticket über Zugänge", "<8bit@example.com>",
      "Content-Type: text/plain; charset=utf-8\n") + "\nHallo, die Zugänge funktionieren nicht. Grüße, Zoë\n",
      subject="Ticket über Zugänge", text_contains=["Zugänge funktionieren nicht"], from_name="Zoë")

# RFC 2047 subject split over several encoded words in different charsets.
write("rfc2047-mixed-words", head("=?iso-8859-1?Q?Andr=E9?= <andre@example.fr> ",
      "=?utf-8?B?w4lsw6h2ZQ==?= =?iso-8859-1?Q?_=E0_l'=E9cole?= " + ew(" Привет", "koi8-r", "B") + "",
      "<rfc2047@example.fr>", "Content-Type: text/plain; charset=us-ascii\n") + "\nhello\n",
      subject="Élève à l'école Привет", from_name="André")

# RFC 2231 file names: percent-encoded UTF-8 and a continued name.
pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
write("rfc2231-filenames", head("Jörg <joerg@example.de>", "Rechnungen", "<rfc2231@example.de>",
      'Content-Type: multipart/mixed; boundary="b1"\n') + """
--b1
Content-Type: text/plain; charset=utf-8

Anbei die Rechnungen.
--b1
Content-Type: application/pdf
Content-Disposition: attachment; filename*=utf-8''Rechnung%20M%C3%A4rz%20%E2%82%AC.pdf
Content-Transfer-Encoding: base64

""" + b64(pdf) + """
--b1
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*0*=utf-8''%C3%9Cbersicht%20;
 filename*1*=2026%20Quartal.pdf
Content-Transfer-Encoding: base64

""" + b64(pdf) + """
--b1--
""", attachments=["Rechnung März €.pdf", "Übersicht 2026 Quartal.pdf"], text_contains=["Anbei die Rechnungen."])

# Outlook style: RFC 2047 in a quoted name= parameter.
write("rfc2047-filename-outlook", head("Ana <ana@example.es>", "Contrato", "<outlook-name@example.es>",
      'Content-Type: multipart/mixed; boundary="----=_NextPart_000_0001"\n') + """
This is a multi-part message in MIME format.

------=_NextPart_000_0001
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

Adjunto el contrato firmado. Gracias.
------=_NextPart_000_0001
Content-Type: application/pdf; name="=?iso-8859-1?Q?Contrato_a=F1o_2026.pdf?="
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="=?iso-8859-1?Q?Contrato_a=F1o_2026.pdf?="

""" + b64(pdf) + """
------=_NextPart_000_0001--
""", attachments=["Contrato año 2026.pdf"], text_contains=["Adjunto el contrato firmado."])

# ---------------------------------------------------------------- structures
write("text-only-ascii", head('"Smith, John" <john.smith@example.com>', "Cannot reset password", "<plain-1@example.com>",
      "Content-Type: text/plain; charset=us-ascii\n") + "\nHello,\n\nthe reset link in your email has expired twice.\n\nJohn\n",
      from_addr="john.smith@example.com", from_name="Smith, John", text_contains=["reset link in your email has expired"],
      attachments=[])

write("html-only", head("Mia <mia@example.com>", "Export broken", "<html-only@example.com>",
      "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n") + "\n" + qp(
      b"<html><head><style>p{color:red}</style><script>alert(1)</script></head><body onload=\"steal()\">"
      b"<p>The <b>CSV export</b> fails with error 500.</p><p><a href=\"javascript:alert(2)\">click</a> "
      b"<a href=\"https://example.com/screenshot\">screenshot</a></p></body></html>"),
      text_contains=["CSV export", "fails with error 500"], html_contains=["<b>CSV export</b>", "https://example.com/screenshot"],
      html_not_contains=["<script", "onload", "javascript:", "alert(1)"])

write("alternative-gmail", head("Lena <lena@gmail.example>", "Question about invoices", "<CAF=alt+1@mail.gmail.example>",
      'Content-Type: multipart/alternative; boundary="000000000000a1b2c3"\n') + """
--000000000000a1b2c3
Content-Type: text/plain; charset="UTF-8"

Where can I download last month's invoice?

--000000000000a1b2c3
Content-Type: text/html; charset="UTF-8"

<div dir="ltr">Where can I download <i>last month's</i> invoice?</div>

--000000000000a1b2c3--
""", message_id="<CAF=alt+1@mail.gmail.example>", text_contains=["Where can I download last month's invoice?"],
      html_contains=["<i>last month&#39;s</i>"], attachments=[])

png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
write("related-cid-image", head("Tom <tom@example.com>", "Screenshot of the error", "<related@example.com>",
      'Content-Type: multipart/related; boundary="rel"; type="multipart/alternative"\n') + """
--rel
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

See the screenshot below.
--alt
Content-Type: text/html; charset=utf-8

<p>See the screenshot below.</p><img src="cid:image001.png@01DA0000" alt="error">
--alt--
--rel
Content-Type: image/png; name="image001.png"
Content-ID: <image001.png@01DA0000>
Content-Transfer-Encoding: base64

""" + b64(png) + """
--rel--
""", attachments=["image001.png"], inline=["image001.png"], html_contains=['src="cid:image001.png@01DA0000"'])

write("mixed-pdf-attachment", head("Paul <paul@example.com>", "Invoice 2026-11 is wrong", "<mixed@example.com>",
      'Content-Type: multipart/mixed; boundary="mix"\n') + """
--mix
Content-Type: text/plain; charset=utf-8

Please check the attached invoice.
--mix
Content-Type: application/pdf; name="invoice-2026-11.pdf"
Content-Disposition: attachment; filename="invoice-2026-11.pdf"
Content-Transfer-Encoding: base64

""" + b64(pdf) + """
--mix--
""", attachments=["invoice-2026-11.pdf"], attachment_sizes={"invoice-2026-11.pdf": len(pdf)})

write("apple-mail-nested", head("Eva <eva@icloud.example>", "Logo upload", "<apple@icloud.example>",
      'Content-Type: multipart/mixed; boundary="Apple-Mail=_1"\n') + """
--Apple-Mail=_1
Content-Type: multipart/alternative; boundary="Apple-Mail=_2"

--Apple-Mail=_2
Content-Type: text/plain; charset=us-ascii

The logo upload rejects this SVG.
--Apple-Mail=_2
Content-Type: multipart/related; type="text/html"; boundary="Apple-Mail=_3"

--Apple-Mail=_3
Content-Type: text/html; charset=us-ascii

<html><body>The logo upload rejects this SVG. <img src="cid:B1@apple"></body></html>
--Apple-Mail=_3
Content-Type: image/png; name="sig.png"
Content-Disposition: inline; filename="sig.png"
Content-ID: <B1@apple>
Content-Transfer-Encoding: base64

""" + b64(png) + """
--Apple-Mail=_3--
--Apple-Mail=_2--
--Apple-Mail=_1
Content-Type: image/svg+xml; name="logo.svg"
Content-Disposition: attachment; filename="logo.svg"

<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>
--Apple-Mail=_1--
""", attachments=["logo.svg", "sig.png"], inline=["sig.png"], text_contains=["logo upload rejects"])

fwd = crlf("""From: Vendor <billing@vendor.example>
To: paul@example.com
Subject: Your order
Message-ID: <vendor-1@vendor.example>
Date: Mon, 30 Nov 2026 10:00:00 +0000
Content-Type: text/plain

Order 77 shipped.
""")
write("forwarded-rfc822", head("Paul <paul@example.com>", "Fwd: Your order", "<fwd@example.com>",
      'Content-Type: multipart/mixed; boundary="f"\n') + """
--f
Content-Type: text/plain

See the forwarded mail: it says shipped but nothing arrived.
--f
Content-Type: message/rfc822
Content-Disposition: attachment

""" + fwd + """
--f--
""", attachments=["message.eml"], text_contains=["nothing arrived"], text_not_contains=["Order 77 shipped"])


def tnef_attr(level, attr_id, data):
    return struct.pack("<BII", level, attr_id, len(data)) + data + struct.pack("<H", sum(data) & 0xffff)


def mapi_string_prop(pid, s):
    b = s.encode("utf-16-le") + b"\x00\x00"
    pad = (4 - len(b) % 4) % 4
    return struct.pack("<HHI", 0x001F, pid, 1) + struct.pack("<I", len(b)) + b + b"\x00" * pad


def tnef(files):
    out = struct.pack("<IH", 0x223E9F78, 0x0101)
    out += tnef_attr(1, 0x00089006, struct.pack("<I", 0x0001))  # attTnefVersion-ish
    out += tnef_attr(1, 0x0002800C, b"Please see the two files.\x00")
    for title, long_name, mime, data in files:
        out += tnef_attr(2, 0x00069002, b"\x01\x00\xff\xff\xff\xff\x01\x00\x01\x00\x00\x00\x00\x00")
        out += tnef_attr(2, 0x00018010, title.encode() + b"\x00")
        out += tnef_attr(2, 0x0006800F, data)
        props = struct.pack("<I", 3) + struct.pack("<HHI", 0x0003, 0x0E21, 0) + mapi_string_prop(0x3707, long_name) + mapi_string_prop(0x370E, mime)
        out += tnef_attr(2, 0x00069005, props)
    return out


docx = b"PK\x03\x04 fake docx bytes for the fixture"
write("tnef-winmail-dat", head("Outlook User <olu@corp.example>", "Quarterly report", "<tnef@corp.example>",
      'Content-Type: multipart/mixed; boundary="_tnef_"\n') + """
--_tnef_
Content-Type: text/plain; charset="us-ascii"

Please see the two files.
--_tnef_
Content-Type: application/ms-tnef; name="winmail.dat"
Content-Disposition: attachment; filename="winmail.dat"
Content-Transfer-Encoding: base64

""" + b64(tnef([("REPORT~1.DOC", "Quarterly Report Q3.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx),
                 ("CHART.PNG", "chart.png", "image/png", png)])) + """
--_tnef_--
""", attachments=["Quarterly Report Q3.docx", "chart.png"], attachment_sizes={"chart.png": len(png)})

write("smime-signed", head("Secure <secure@bank.example>", "Signed statement", "<smime@bank.example>",
      'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"\n') + """
This is an S/MIME signed message

--sig
Content-Type: text/plain; charset=utf-8

Our statement is attached below, signed.
--sig
Content-Type: application/pkcs7-signature; name="smime.p7s"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="smime.p7s"

""" + b64(b"0\x82\x01\x00fake-pkcs7-signature") + """
--sig--
""", attachments=["smime.p7s"], text_contains=["Our statement is attached below, signed."])

write("pgp-signed", head("Dev <dev@oss.example>", "Security report", "<pgp@oss.example>",
      'Content-Type: multipart/signed; micalg=pgp-sha512; protocol="application/pgp-signature"; boundary="pgp"\n') + """
--pgp
Content-Type: text/plain; charset=us-ascii

I found an XSS in the KB search.
--pgp
Content-Type: application/pgp-signature; name="signature.asc"
Content-Description: OpenPGP digital signature

-----BEGIN PGP SIGNATURE-----

iQEzBAEBCgAdFiEEfakefakefakefake=
=abcd
-----END PGP SIGNATURE-----
--pgp--
""", attachments=["signature.asc"], text_contains=["XSS in the KB search"])

write("phone-inline-photo", head("Raj <raj@example.in>", "Photo of the device", "<phone@example.in>",
      'Content-Type: multipart/mixed; boundary="ph"\n') + """
--ph
Content-Type: text/plain; charset=utf-8

Sent from my phone
--ph
Content-Type: image/jpeg; name="IMG_0042.JPG"
Content-Disposition: inline; filename="IMG_0042.JPG"
Content-Transfer-Encoding: base64

""" + b64(b"\xff\xd8\xff\xe0fakejpeg\xff\xd9") + """
--ph--
""", attachments=["IMG_0042.JPG"])

write("attachment-without-name", head("Ben <ben@example.com>", "Log file", "<noname@example.com>",
      'Content-Type: multipart/mixed; boundary="nn"\n') + """
--nn
Content-Type: text/plain

Log attached.
--nn
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

""" + b64(b"\x00\x01binary log") + """
--nn--
""", attachments=["part-1.bin"])

write("calendar-invite", head("Kai <kai@example.com>", "Call about onboarding", "<ics@example.com>",
      'Content-Type: multipart/mixed; boundary="cal"\n') + """
--cal
Content-Type: text/plain

Shall we talk Thursday?
--cal
Content-Type: text/calendar; method=REQUEST; charset=utf-8; name="invite.ics"
Content-Disposition: attachment; filename="invite.ics"

BEGIN:VCALENDAR
VERSION:2.0
END:VCALENDAR
--cal--
""", attachments=["invite.ics"], text_contains=["Shall we talk Thursday?"])

write("truncated-multipart", head("Ivy <ivy@example.com>", "Cut off", "<trunc@example.com>",
      'Content-Type: multipart/mixed; boundary="cut"\n') + """
--cut
Content-Type: text/plain

This part is fine.
--cut
Content-Type: application/pdf; name="half.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKMSAwIG9iajw8Pj5lbmRvYmoK
""", text_contains=["This part is fine."], attachments=["half.pdf"])

write("multipart-without-boundary", head("Max <max@example.com>", "Broken mailer", "<nobound@example.com>",
      "Content-Type: multipart/mixed\n") + "\nthis is not really multipart\n",
      unparsed=True, subject="Broken mailer", from_addr="max@example.com", message_id="<nobound@example.com>")

write("bad-base64-text", head("Ola <ola@example.no>", "Bad encoding", "<badb64@example.no>",
      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n") + "\nSGVsbG8sIHdvcmxkIQ==!!!@@@###\n",
      text_contains=["Hello, world!"])

write("no-message-id", "From: Nia <nia@example.com>\nTo: support@frontdesk.test\nSubject: No id here\n\nMy mailer sets no Message-ID.\n",
      message_id="", text_contains=["My mailer sets no Message-ID."])

write("message-id-unbracketed", head("Oli <oli@example.com>", "Odd id", "oddid-1234@example.com",
      "Content-Type: text/plain\n") + "\nhello\n", message_id="oddid-1234@example.com")

write("malformed-from", "From: Support Customer, Acme Inc. <buyer@acme.example>\nTo: support@frontdesk.test\nSubject: Order\nMessage-ID: <malfrom@acme.example>\n\nWhere is my order?\n",
      from_addr="buyer@acme.example")

write("empty-body", head("Eli <eli@example.com>", "(no text)", "<empty@example.com>", "Content-Type: text/plain\n") + "\n",
      text_exact="")

refs = " ".join("<ref-%d@example.com>" % i for i in range(1, 13))
write("long-references", head("Uma <uma@example.com>", "Re: Re: Re: long thread", "<refs@example.com>",
      "In-Reply-To: <ref-12@example.com>\nReferences: " + "\n ".join(refs.split(" ")) + "\nContent-Type: text/plain\n") + "\nstill broken\n",
      in_reply_to=["<ref-12@example.com>"], references_count=12, thread_first="<ref-12@example.com>")

write("cc-recipients", head("Ada <ada@example.com>", "Access for my team", "<cc@example.com>",
      "Cc: Bob <bob@example.com>, =?utf-8?Q?Cl=C3=A9o?= <cleo@example.com>, support@frontdesk.test\nContent-Type: text/plain\n") + "\nPlease give Bob and Cléo access.\n",
      cc=["bob@example.com", "cleo@example.com", "support@frontdesk.test"])

# ---------------------------------------------------------------- quotes
write("quote-gmail-reply", head("Lena <lena@gmail.example>", "Re: Question about invoices [#1042]", "<CAF-reply@mail.gmail.example>",
      "In-Reply-To: " + signed_id("t1042") + "\nReferences: <CAF=alt+1@mail.gmail.example> " + signed_id("t1042") + "\nContent-Type: text/plain; charset=UTF-8\n") + """
Thanks, found it!

On Tue, Dec 1, 2026 at 10:02 AM Frontdesk Support <support@frontdesk.test>
wrote:

> Hi Lena,
>
> invoices are under Billing.
""", ticket_token=1042, visible="Thanks, found it!", quoted_contains=["invoices are under Billing."],
      own_thread_tag="t1042")

write("quote-outlook-reply", head("Olu <olu@corp.example>", "RE: Quarterly report [#77]", "<outlook-reply@corp.example>",
      "Content-Type: text/plain; charset=utf-8\n") + """
Yes, please go ahead.

Regards
Olu

________________________________
From: Frontdesk Support <support@frontdesk.test>
Sent: Tuesday, December 1, 2026 11:00
To: Olu <olu@corp.example>
Subject: Quarterly report [#77]

Shall we proceed?
""", ticket_token=77, visible="Yes, please go ahead.\n\nRegards\nOlu", quoted_contains=["Shall we proceed?"])

write("quote-signature", head("Sam <sam@example.com>", "Feature request", "<sig@example.com>", "Content-Type: text/plain\n") + """
Could you add dark mode?

-- 
Sam Example
CTO, Example Ltd.
""", visible="Could you add dark mode?", quoted_contains=["Sam Example"])

write("quote-german-outlook", head("Jörg <joerg@example.de>", "AW: Rechnungen [#501]", "<aw@example.de>",
      "Content-Type: text/plain; charset=utf-8\n") + """
Danke, erledigt.

Von: Frontdesk Support <support@frontdesk.test>
Gesendet: Dienstag, 1. Dezember 2026 11:00
An: Jörg
Betreff: Rechnungen [#501]

Bitte prüfen.
""", ticket_token=501, visible="Danke, erledigt.", quoted_contains=["Bitte prüfen."])

write("quote-interleaved", head("Ann <ann@example.com>", "Re: two questions [#12]", "<inter@example.com>", "Content-Type: text/plain\n") + """
> 1. Which browser?
Firefox 130.

> 2. Which page?
The billing page.

> Regards, Support
""", ticket_token=12, visible="> 1. Which browser?\nFirefox 130.\n\n> 2. Which page?\nThe billing page.", quoted_contains=["Regards, Support"])

write("quote-french", head("Luc <luc@example.fr>", "Re: Facture [#88]", "<fr@example.fr>", "Content-Type: text/plain; charset=utf-8\n") + """
Merci beaucoup.

Le mar. 1 déc. 2026 à 10:00, Support <support@frontdesk.test> a écrit :
> Voici la facture.
""", ticket_token=88, visible="Merci beaucoup.", quoted_contains=["Voici la facture."])

# ---------------------------------------------------------------- threading
write("plus-address-reply", head("Kim <kim@example.com>", "Re: my ticket", "<plus@example.com>", "Content-Type: text/plain\n",
      to="Support <support+2001@frontdesk.test>") + "\nHere is the info you asked for.\n", plus_ticket=2001)

write("reply-signed-id-only", head("Lee <lee@example.com>", "Re: Your request", "<signedonly@example.com>",
      "In-Reply-To: " + signed_id("t3003", "qrstuvwxyz234567") + "\nContent-Type: text/plain\n") + "\nThat fixed it, thanks.\n",
      own_thread_tag="t3003")

write("forged-signed-id", head("Eve <eve@evil.example>", "Re: Your request", "<forged@evil.example>",
      "In-Reply-To: <fd.t3003.qrstuvwxyz234567.aaaaaaaaaaaaaaaa@frontdesk.test>\nContent-Type: text/plain\n") + "\nlet me in\n",
      own_thread_tag="")

# ---------------------------------------------------------------- auto-replies
def auto(name, extra, subject, reason, frm="Away <away@example.com>", body="I am out of the office until Monday.\n"):
    write(name, head(frm, subject, "<%s@example.com>" % name, extra + "Content-Type: text/plain; charset=utf-8\n") + "\n" + body,
          kind="auto_reply", reason_contains=reason)


auto("auto-submitted-vacation", "Auto-Submitted: auto-replied\n", "Re: Invoice [#1042]", "Auto-Submitted: auto-replied")
auto("auto-submitted-generated", "Auto-Submitted: auto-generated\n", "Your ticket was received", "Auto-Submitted: auto-generated")
auto("x-autoreply", "X-Autoreply: yes\n", "Re: Help", "X-Autoreply")
auto("x-autorespond", "X-Autorespond: true\n", "Thanks for your mail", "X-Autorespond")
auto("precedence-bulk", "Precedence: bulk\n", "Our newsletter", "Precedence: bulk")
auto("precedence-junk", "Precedence: junk\n", "Re: Help", "Precedence: junk")
auto("precedence-list", "Precedence: list\n", "[users] Re: Help", "Precedence: list")
auto("list-id-newsletter", "List-Id: Product News <news.vendor.example>\nList-Unsubscribe: <mailto:unsub@vendor.example>\n", "November product news", "List-Id")
auto("subject-automatic-reply", "X-MS-Has-Attach:\n", "Automatic reply: Invoice [#1042]", "out-of-office subject")
auto("subject-out-of-office", "", "Out of Office: Your request", "out-of-office subject")
auto("subject-abwesenheitsnotiz", "", "Abwesenheitsnotiz: Ihre Anfrage", "out-of-office subject")
auto("subject-reponse-automatique", "", ew("Réponse automatique : Votre demande", "utf-8", "Q"), "out-of-office subject")
auto("subject-respuesta-automatica", "", ew("Respuesta automática: Su solicitud", "iso-8859-1", "Q"), "out-of-office subject")
auto("subject-japanese-auto", "", ew("自動応答: お問い合わせ", "iso-2022-jp", "B"), "out-of-office subject")
auto("subject-russian-auto", "", ew("Автоответ: Ваш запрос", "koi8-r", "B"), "out-of-office subject")
auto("exchange-generated", "X-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent\n", "Your message", "X-MS-Exchange-Generated-Message-Source")
write("auto-submitted-no", head("Real <real@example.com>", "Help please", "<asno@example.com>",
      "Auto-Submitted: no\nContent-Type: text/plain\n") + "\nA real question.\n", kind="personal")
write("subject-mentions-absence", head("Hr <hr@example.com>", "Question about absence tracking feature", "<absfeat@example.com>",
      "Content-Type: text/plain\n") + "\nHow do I record sick days?\n", kind="personal")

# ---------------------------------------------------------------- bounces
ORIG_ID = signed_id("t1042", "bouncebounceboun")
orig = crlf("""From: Frontdesk Support <support@frontdesk.test>
To: gone@customer.example
Subject: Re: Invoice [#1042]
Message-ID: %s
Date: Tue, 01 Dec 2026 09:00:00 +0000

Hello
""" % ORIG_ID)

write("bounce-postfix-dsn", """From: MAILER-DAEMON@mx.frontdesk.test (Mail Delivery System)
To: support@frontdesk.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.frontdesk.test>
Date: Tue, 01 Dec 2026 09:00:05 +0000
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="DSN1"

This is a MIME-encapsulated message.

--DSN1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<gone@customer.example>: host mx.customer.example[203.0.113.5] said: 550 5.1.1
    <gone@customer.example>: Recipient address rejected: User unknown

--DSN1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.frontdesk.test
Arrival-Date: Tue,  1 Dec 2026 09:00:01 +0000 (UTC)

Final-Recipient: rfc822; gone@customer.example
Original-Recipient: rfc822;gone@customer.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.customer.example
Diagnostic-Code: smtp; 550 5.1.1 <gone@customer.example>: User unknown

--DSN1
Content-Description: Undelivered Message
Content-Type: message/rfc822

""" + orig + """
--DSN1--
""", kind="bounce", recipient="gone@customer.example", original_id=ORIG_ID, status="5.1.1")

write("bounce-gmail-dsn-headers", """From: Mail Delivery Subsystem <mailer-daemon@googlemail.example>
To: support@frontdesk.test
Subject: Delivery Status Notification (Failure)
Message-ID: <dsn-2@googlemail.example>
MIME-Version: 1.0
Content-Type: multipart/report; boundary="g2"; report-type=delivery-status

--g2
Content-Type: multipart/alternative; boundary="g2alt"

--g2alt
Content-Type: text/plain; charset="UTF-8"

Address not found
Your message wasn't delivered to nobody@customer.example because the address couldn't be found.
--g2alt
Content-Type: text/html; charset="UTF-8"

<p>Address not found</p>
--g2alt--
--g2
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.example

Final-Recipient: rfc822; nobody@customer.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.

--g2
Content-Type: text/rfc822-headers

From: Frontdesk Support <support@frontdesk.test>
To: nobody@customer.example
Subject: Re: Login [#7]
Message-ID: <gmail-orig-7@frontdesk.test>

--g2--
""", kind="bounce", recipient="nobody@customer.example", original_id="<gmail-orig-7@frontdesk.test>", status="5.1.1")

write("bounce-exim", """From: Mail Delivery System <Mailer-Daemon@mx.hosting.example>
To: support@frontdesk.test
Subject: Mail delivery failed: returning message to sender
Message-Id: <E1exim-0001@mx.hosting.example>
X-Failed-Recipients: full@customer.example
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=us-ascii

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  full@customer.example
    mailbox is full: retry timeout exceeded

------ This is a copy of the message, including all the headers. ------

Return-path: <support@frontdesk.test>
From: Frontdesk Support <support@frontdesk.test>
To: full@customer.example
Subject: Re: Export [#55]
Message-ID: <exim-orig-55@frontdesk.test>

Hello
""", kind="bounce", recipient="full@customer.example", original_id="<exim-orig-55@frontdesk.test>")

write("bounce-qmail", """From: MAILER-DAEMON@mail.legacy.example
To: support@frontdesk.test
Subject: failure notice
Message-ID: <qmail-1@mail.legacy.example>

Hi. This is the qmail-send program at mail.legacy.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<old@legacy.example>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

Return-Path: <support@frontdesk.test>
Message-ID: <qmail-orig@frontdesk.test>
From: support@frontdesk.test
To: old@legacy.example
Subject: Re: Access [#9]

Hello
""", kind="bounce", recipient="old@legacy.example", original_id="<qmail-orig@frontdesk.test>")

write("bounce-exchange-ndr", """From: postmaster@corp.example
To: support@frontdesk.test
Subject: Undeliverable: Re: Quarterly report [#77]
Message-ID: <ndr-1@corp.example>
Content-Type: text/plain; charset=utf-8

Your message to left@corp.example couldn't be delivered.
left wasn't found at corp.example.

Original message headers:
Message-ID: <exchange-orig-77@frontdesk.test>
Subject: Re: Quarterly report [#77]
""", kind="bounce", recipient="left@corp.example", original_id="<exchange-orig-77@frontdesk.test>")

write("dsn-delayed", """From: MAILER-DAEMON@mx.frontdesk.test
To: support@frontdesk.test
Subject: Delayed Mail (still being retried)
Message-ID: <delay-1@mx.frontdesk.test>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="D"

--D
Content-Type: text/plain

Your message has not been delivered yet. It will be retried.
--D
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.frontdesk.test

Final-Recipient: rfc822; slow@customer.example
Action: delayed
Status: 4.4.1

--D--
""", kind="auto_reply", reason_contains="delayed")

write("arf-complaint", """From: feedback@isp.example
To: support@frontdesk.test
Subject: FW: Re: Your request [#1042]
Message-ID: <arf-1@isp.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf"

--arf
Content-Type: text/plain

This is an email abuse report for an email message received from IP 198.51.100.7.
--arf
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1

--arf
Content-Type: message/rfc822
Content-Disposition: inline

From: support@frontdesk.test
To: grumpy@isp.example
Subject: Re: Your request [#1042]
Message-ID: <arf-orig@frontdesk.test>

Hello
--arf--
""", kind="complaint", original_id="<arf-orig@frontdesk.test>")

write("mdn-read-receipt", """From: Reader <reader@example.com>
To: support@frontdesk.test
Subject: Read: Re: Invoice [#1042]
Message-ID: <mdn-1@example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification; boundary="mdn"

--mdn
Content-Type: text/plain

Your message was displayed on Tue, 1 Dec 2026.
--mdn
Content-Type: message/disposition-notification

Reporting-UA: reader.example.com; Thunderbird
Final-Recipient: rfc822;reader@example.com
Original-Message-ID: <mdn-orig@frontdesk.test>
Disposition: manual-action/MDN-sent-manually; displayed

--mdn--
""", kind="receipt", original_id="<mdn-orig@frontdesk.test>")

# ---------------------------------------------------------------- our own mail
write("own-support-address", head("Frontdesk Support <Support@Frontdesk.test>", "Re: Invoice [#1042]", "<own-1@frontdesk.test>",
      "Content-Type: text/plain\n") + "\nOur own reply came back.\n", kind="own")
write("own-plus-address", head("support+1042@frontdesk.test", "Re: Invoice [#1042]", "<own-2@frontdesk.test>",
      "Content-Type: text/plain\n") + "\nOur own plus address.\n", kind="own")
write("own-signed-message-id", head("Relay <relay@lists.example>", "Re: Invoice [#1042]", signed_id("t1042", "ownownownownown2"),
      "Content-Type: text/plain\n") + "\nA copy of what we sent, relayed back.\n", kind="own")

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1, ensure_ascii=False, sort_keys=True)
print(len(expected), "fixtures")
