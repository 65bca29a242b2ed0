"""Audio codecs and PCM helpers shared by the vendor clients and the simulators."""
