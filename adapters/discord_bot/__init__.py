"""The Discord adapter: slash commands, embeds with buttons, and new-episode notices to channels."""
