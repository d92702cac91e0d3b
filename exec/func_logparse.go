package exec

func registerLogParse(reg registrar) {}
