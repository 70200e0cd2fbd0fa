"""Cases, handling units, working-day deadlines, dispatch and supervision.

Framework-free: nothing here imports Flask. The service layer
(`casework.service.Casework`) is called with plain values and runs one
transaction per call.
"""
