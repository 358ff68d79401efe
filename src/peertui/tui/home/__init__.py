"""The home screen's features, one module each; `peertui.tui.screens.home` puts them together."""
