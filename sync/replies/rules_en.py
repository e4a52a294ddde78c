r"""More English (and Arabizi) phrases for the lexicons of ``sync.replies.rules``. Pure data.

Each tuple adds ``fixed`` phrases to one intent; ``sync.replies.rules`` folds and
compiles them with the rest. They cover the ways people say each intent without its
key word: the invoice unreadable or sent to the wrong place (not received), money that
"went out" or was handed over (paid), a fee "never agreed" (dispute), an invoice put in
a payment run (promise), and hardship (see ``HARDSHIP``), in English and in Arabic
written in Latin letters ("ma wsltna", "bn7awelha").
"""

from __future__ import annotations

_DOC = r"(?:invoice|inv|attachment|pdf|file|document|copy|bill|it)"

NOT_RECEIVED = (
    r"^not (?:yet )?rec(?:ie|ei|i)ved\b|\bnot (?:yet )?(?:recieved|recived)\b",
    r"\bpassword[- ]protected\b|\b(?:unprotected|readable|legible|working|clear(?:er)?) (?:copy|version)\b",  # noqa: E501
    rf"\b(?:can'?t|cannot|could ?n'?t|unable to|not able to) (?:seem to )?(?:download|open|access|view|read|print) (?:the |your |this |that )?{_DOC}\b",  # noqa: E501
    r"\bblank (?:page|pdf|document|file)\b|\bonly (?:your|the|a) logo\b|\bre-?export\b|\b(?:illegible|unreadable|not legible|not readable)\b",  # noqa: E501
    r"\bsend (?:[^\s]+ ){0,2}inv(?:oice)? copy\b|\binv copy\b",
    r"\b(?:documents?|invoices?|files?|attachments?)\b.{0,40}\b(?:did ?n'?t|did not|never) (?:come|carry|get) (?:across|through|over)\b",  # noqa: E501
    r"\b(?:mind|please|kindly|could you|can you) (?:[^\s]+ )?sending (?:it|this|the invoice|a copy|ours|us|me)\b",  # noqa: E501
    r"\bsend (?:us |me )?(?:ours|the missing one|our (?:invoice|one)|the (?:right|correct) (?:one|invoice))\b",  # noqa: E501
    r"\b(?:attach|send|email) it (?:to|in|by|as|via) (?:an |a )?(?:e-?mail|pdf)\b",
    r"\b(?:reminder|e-?mail) (?:arrived|came)\b.{0,40}\b(?:nothing|no invoice|not the invoice|without)\b",  # noqa: E501
    r"\bma ?w[ae]?s[ae]?l(?:at|et|na|tna|etna|itna|ni|atni|itni)?\b|\bmawsal\w*|\bma (?:e|i)stalam\w*",  # noqa: E501
    r"\b(?:marra|mara|marah) (?:thanya|tanya|tania|thania|tanyeh|tanye)\b",
)

ALREADY_PAID = (
    r"\b(?:deposit|bank|payment|transfer) slip\b|\b(?:already )?credited (?:to|into) your (?:account|bank)\b",  # noqa: E501
    r"\b(?:bank|statement) (?:shows|says|confirms)\b.{0,40}\b(?:went out|left|paid|debited|cleared)\b",  # noqa: E501
    r"\b(?:this|it|payment|money|the transfer|the money|the payment)\b (?:went out|left our account|was debited)\b",  # noqa: E501
    r"\b(?:cheque|check|payment|cash)\b (?:was |were |has been )?(?:handed|given|delivered|collected)\b|\bhanded (?:over )?(?:the |a |our )?(?:cheque|check)\b",  # noqa: E501
    r"\b(?:dafa3na|dafa3t|dafa3naha|sadadna|sadadt|7awwalna|7awalna|hawalna|7awelna|7awaltha|dafa3naha)\b|\btam (?:el )?(?:da?f3|sadad|ta7weel|tahweel)\b",  # noqa: E501
)

DISPUTE = (
    r"\bold price(?: list)?\b|\b(?:does not|doesn'?t|do not|don'?t) (?:pertain|relate|apply|belong) to us\b|\bnot availed\b|\bwithdraw (?:the|this|it)\b(?! (?:notice|reminder|letter|demand))",  # noqa: E501
    r"\bdisagree\b|\b(?:don'?t|do not|did not|didn'?t|never|not) agree(?:d)? (?:to|with|on)\b|\bwas never agreed\b|\bnever agreed\b|\b(?:weren'?t|were not|was not|wasn'?t) told\b",  # noqa: E501
    r"\b(?:not|never|n'?t|did ?n'?t|did not) (?:yet |ever )?(?:get|got|receive|received) (?:the |any |our )?(?:second|first|last|remaining|rest of the|other|full) (?:batch|delivery|shipment|part|half|consignment|lot|order)\b|\bonly half (?:of (?:this|it|the invoice) )?is due\b",  # noqa: E501
    r"\b(?:subscription|contract|service|order|account|booking|membership)\b.{0,40}\b(?:cancell?ed|canceled|closed|terminated|ended|expired)\b",  # noqa: E501
    r"\b(?:not|never|wo ?n'?t be|are not|aren'?t|we'?re not) paying (?:a|an|any|for|that|this)\b|\bremove (?:the |this |that )?(?:fee|charge|it)\b",  # noqa: E501
    r"\b(?:do not|don'?t|does ?n'?t|did ?n'?t|did not) match (?:the )?(?:sample|order|spec|quote|po|description)\b|\bdifferent (?:batch|colou?r|model|size|item|product)s? (?:to|from|than)\b",  # noqa: E501
    r"\bretention (?:of \d+%? )?(?:is |should |must )?(?:to be |be )?(?:deducted|withheld|applied)\b|\bwith (?:the )?retention deducted\b|\bmust be a mistake\b",  # noqa: E501
    r"\bwrong part\b|\bstill (?:is ?n'?t|not|does ?n'?t|won'?t|is not) (?:working|cooling|fixed|work)\b|\b(?:did ?n'?t|did not) fix\b",  # noqa: E501
    r"\bghalat\b|\bghalta\b|\bmesh (?:bta3etna|btaa3na)\b",
)

PROMISE = (
    r"\b(?:payment|transfer|paying|pay)\b (?:in|within) (?:\d+|a few|two|three) (?:days|weeks)\b",
    r"\bwe(?:'re| are) (?:transferring|paying|settling|sending (?:the )?(?:payment|money))\b",
    r"\b(?:go|goes|be) in (?:the|our|next [^\s]+) (?:payment )?run\b|\b(?:added|put|included) (?:it |this |the invoice )?(?:to|in|on|into) (?:next [^\s]+ |our |the |this week'?s )?(?:payment )?(?:run|batch)\b",  # noqa: E501
    r"\b(?:check|cheque|payment)\b (?:is )?(?:already )?(?:prepared|ready)\b|\bready for (?:pick ?up|collection)\b",  # noqa: E501
    r"\b(?:it'?s|it is|it will be|this is) going out\b|\bwill do it (?:first thing|on|by|tomorrow|today|next|this)\b|\bhave (?:it|this) (?:paid|settled|sorted)\b",  # noqa: E501
    r"\b(?:bokra|bukra|bokrah|ba3d bokra)\b",
    r"\b(?:ha|hay|ra7|rah|bn|bin|hn|han|n)\s?(?:yetla3|yitla3|7awel\w*|nedfa3\w*|nsadded\w*|ndfa3\w*|edfa3\w*)|\bbn7awel\w*|\bhan?edfa3\w*|\bbnedfa3\w*",  # noqa: E501
    r"\b(?:mumkin|can you|could you|give us|hold off|wait|ممكن)(?: [^\s]+){0,2} (?:until|till|til|untill) (?:the |el |al )?(?:mon|tues|wednes|thurs|fri|satur|sun)day\b",  # noqa: E501
)

PAYMENT_PLAN = (
    r"\bpdcs?\b|\bpost-?dated (?:cheques|checks)\b|\b(?:cheques|checks) dated\b",
    r"\bhalf (?:on|by|now|today|tomorrow|this|next|once|after|when)\b.{0,60}\b(?:rest|other half|remainder|balance)\b",  # noqa: E501
    r"\b\d[\d,.]* (?:tomorrow|today|now|bokra)\b.{0,40}\b(?:every|each|kol)\b",
    r"\b(?:every|each) (?:two|2|three|3|other) weeks\b|\b(?:weekly|monthly) payment\b(?! (?:run|batch|cycle|date|day)s?\b)|\brepayment schedule\b",  # noqa: E501
    r"\b(?:two|three|four|2|3|4) (?:equal |monthly |weekly )(?:payments|parts|instal\w*|amounts)\b|\b\d/\d (?:per|a|every|each) (?:month|week)\b",  # noqa: E501
    r"\b(?:nqass?et|n2ass?et|nqas+it|taqseet|ta2seet|aqsat|a2sat|2a2sat)\w*|\bkol (?:shahr|usbu3|esbo3)\b|\bel ba(?:2|q)[yi]\b",  # noqa: E501
)

# A request for time: with hardship (``HARDSHIP``) a payment plan.
MORE_TIME = (
    r"\b(?:extra|more|additional) (?:time|days|weeks)\b|\bagree (?:a|on a) new (?:date|schedule)\b|\bextension\b|\bgrace period\b",  # noqa: E501
    r"\b(?:give|grant|allow) (?:us|me) (?:\d+|a few|two|three|some|until|till)\b|\b\d+ days extra\b|\bjust need time\b",  # noqa: E501
)

# Hardship: the reason a customer asks for time. With a request for time or a promise it
# makes the reply a payment plan (the labelling conventions: "an extension to a named date
# asked for on such grounds is a plan").
HARDSHIP = (
    r"\b(?:fire|flood(?:ed|ing)?|burglary|break-?in|theft|robbed|hospital\w*|surgery|passed away|lockdown|road ?works)\b",  # noqa: E501
    r"\blost (?:our|a|the) (?:biggest |main |major |largest |key )?(?:client|customer|contract)\b|\b(?:money|cash|things) (?:is|are) (?:very |really |a bit )?tight\b|\btight (?:for us|at the moment|this month)\b",  # noqa: E501
    r"\bliquidity\b|\bcash ?flow\b|\bstruggling\b|\b(?:account|accounts) (?:has been |have been |is |are )?frozen\b|\bno income\b|\b(?:shut|closed) for (?:at least |about |over |the last |the past )?(?:\d+|a|two|three|several|many) (?:weeks?|months?)\b",  # noqa: E501
    r"\brestructur\w*|\bvoluntary arrangement\b|\bcreditors\b|\binsolven\w*|\badministrat(?:ion|or)\b",  # noqa: E501
    r"\b(?:client|customer)s? (?:has |have )?(?:delayed|not paid|hasn'?t paid|haven'?t paid)\b|\bdelay in (?:our own |our )?(?:customer|client) payments\b",  # noqa: E501
    r"\bwad3 sa3b\b|\bta3ban\b",
)
