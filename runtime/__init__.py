"""The layer-producing runtime: sandboxed RUN, COPY/ADD, layers, images, exports."""
