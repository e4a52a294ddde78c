"""Mail: render the accountant's templates, compose messages, move them through a transport."""
