"""Call flows, one module per branch of the call. Each step takes a `Turn` and returns a
`Reply` (the TwiML and the call's updated record); flows call nlu and casework, never SQL."""
