"""Edge agent: the bench core on Linux boards, and the technicians' `bench` command."""
