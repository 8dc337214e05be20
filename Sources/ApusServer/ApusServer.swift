// ApusServer
