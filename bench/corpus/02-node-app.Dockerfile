# Front-end 2: dependencies, build, then a static nginx image
FROM node:20-bookworm AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --prefer-offline --no-audit \
    && npm install --no-save eslint express vite prettier

FROM deps AS build
COPY . .
ARG NODE_ENV=production
ENV NODE_ENV=$NODE_ENV
RUN npm run lint \
    && npm run test -- --ci \
    && npm run build

FROM nginx:1.27-alpine AS web
COPY --from=build /src/dist /usr/share/nginx/html
COPY <<'EOF' /etc/nginx/conf.d/default.conf
server {
    listen 8080;
    root /usr/share/nginx/html;
    location / {
        try_files $uri $uri/ /index.html;
    }
}
EOF
EXPOSE 8080
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
