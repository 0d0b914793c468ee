var interfaceConfig = {
    APP_NAME: 'Fixture App',
    DEFAULT_BACKGROUND: '#040404',
    SHOW_JITSI_WATERMARK: true
};
