// Placeholder shipped with the web app; meetd renders its own config.js instead.
var config = { hosts: { domain: 'placeholder.invalid', muc: 'conference.placeholder.invalid' } };
