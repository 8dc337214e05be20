// ApusTesting
