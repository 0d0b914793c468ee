var loggingConfig = { defaultLogLevel: "info" };
