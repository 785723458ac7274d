// placeholder, replaced by the text renderer
