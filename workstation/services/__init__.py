"""Background services of the workstation (engine calls off the GUI thread) and the open document."""
