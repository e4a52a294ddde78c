"""Understanding customers' replies in Arabic and English: pure text in, intent out."""
