"""Generated documentation: the files of schema/, and the generated blocks of the
guidelines and the datasheet with their statistics."""
