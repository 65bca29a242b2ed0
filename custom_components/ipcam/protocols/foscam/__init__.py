"""Legacy Foscam MJPEG cameras (FI89xx): binary MO_O/MO_V/MO_I protocol plus HTTP CGIs."""
