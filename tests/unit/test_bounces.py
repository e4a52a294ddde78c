from email import policy
from email.parser import BytesParser

from sync.replies.understanding import failed_recipients

parse = BytesParser(policy=policy.default).parsebytes

REPORT = b"""From: MAILER-DAEMON@mx.example.com
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Delivery to the following recipients failed.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; <AP@Example.com>
Action: failed
Status: 5.1.1

Original-Recipient: rfc822;cfo@example.com
Action: failed
Status: 5.2.2

Final-Recipient: rfc822; ok@example.com
Action: delivered
Status: 2.0.0

--B--
"""


def test_failed_recipients_come_from_the_delivery_status_part():
    assert failed_recipients(parse(REPORT)) == ("ap@example.com", "cfo@example.com")


def test_x_failed_recipients_header_counts_and_duplicates_go():
    message = parse(
        b"From: mailer-daemon@googlemail.com\r\nX-Failed-Recipients: a@x.com, b@x.com\r\n"
        b"Subject: Delivery Status Notification\r\n\r\nAddress not found: a@x.com\r\n"
    )
    assert failed_recipients(message) == ("a@x.com", "b@x.com")


def test_an_ordinary_reply_names_no_one():
    assert failed_recipients(parse(b"From: a@x.com\r\nSubject: Re: hi\r\n\r\nthanks\r\n")) == ()
