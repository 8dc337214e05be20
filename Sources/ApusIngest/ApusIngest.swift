// ApusIngest
