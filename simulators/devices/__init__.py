"""Simulated boards for the technicians' tools: a virtual serial device with MicroPython (mpremote) and a
virtual ESP32 ROM bootloader (esptool). `benchsim device` starts both (cli.py)."""
