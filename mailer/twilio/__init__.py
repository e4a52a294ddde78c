"""SMS and WhatsApp through Twilio's official SDK (the ``twilio`` extra).

``channel`` (``TwilioChannel``: send, settle by tag, inbound, preflight), ``http``
(credentials from named environment variables, the timeout, ``api_url``), ``calls``
(per-sender pacing, safe retries), ``errors`` (Twilio's codes to ``MailError``),
``preflight`` (account, sender, Content templates).
"""

from mailer.twilio.calls import Caller, RetryPolicy, SenderPacer
from mailer.twilio.channel import TwilioChannel
from mailer.twilio.http import ApiUrlHttpClient, TwilioCredentials, build_client

__all__ = [
    "ApiUrlHttpClient",
    "Caller",
    "RetryPolicy",
    "SenderPacer",
    "TwilioChannel",
    "TwilioCredentials",
    "build_client",
]
